//! The virtio network device (virtio 1.2 section 5.1) as a smoltcp `phy::Device`: receive
//! buffers stay posted in the receive queue; arrived frames are copied out into a queue that
//! the stack reads (and looks at first, see `net::stack`); frames to send are copied into
//! buffers that stay in flight until the device hands them back.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::phy::{self, Checksum, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::mmio::MmioTransport;
use virtio_drivers::transport::DeviceType;

use super::mmio::MmioDevice;
use super::KernelHal;

/// Descriptors per queue; QEMU's virtio-net offers 256.
const QUEUE_SIZE: usize = 128;
/// Room for the virtio-net header and a full Ethernet frame without VLAN tag.
const BUFFER_SIZE: usize = 2048;
/// An Ethernet frame without the frame check sequence.
const MAX_FRAME: usize = 1514;
/// Frames waiting for the stack beyond this are dropped, as a full NIC queue would.
const MAX_WAITING: usize = 1024;

type Raw = VirtIONetRaw<KernelHal, MmioTransport<'static>, QUEUE_SIZE>;

pub struct NetDevice {
    raw: Raw,
    /// The buffer posted under each receive token.
    receive_buffers: Vec<Option<Box<[u8]>>>,
    /// Frames sent and not yet handed back, by transmit token.
    in_flight: Vec<Option<Vec<u8>>>,
    /// Frames received and not yet taken by the stack.
    pub arrived: VecDeque<Vec<u8>>,
    pub line: u8,
    pub mac: [u8; 6],
}

impl NetDevice {
    /// Finds and starts the first network device the command line names.
    pub fn probe(cmdline: &str) -> Option<NetDevice> {
        let (transport, MmioDevice { line, .. }) = super::mmio::find(cmdline, DeviceType::Network)?;
        let raw = match Raw::new(transport) {
            Ok(raw) => raw,
            Err(error) => {
                log::warn!("virtio-net: the device did not start: {error}");
                return None;
            }
        };
        let mac = raw.mac_address();
        let mut device = NetDevice {
            raw,
            receive_buffers: (0..QUEUE_SIZE).map(|_| None).collect(),
            in_flight: (0..QUEUE_SIZE).map(|_| None).collect(),
            arrived: VecDeque::new(),
            line,
            mac,
        };
        for _ in 0..QUEUE_SIZE {
            device.post(vec![0u8; BUFFER_SIZE].into_boxed_slice());
        }
        device.raw.enable_interrupts();
        Some(device)
    }

    /// Hands a receive buffer to the device.
    fn post(&mut self, mut buffer: Box<[u8]>) {
        // SAFETY: the buffer is kept in `receive_buffers` under its token, untouched until
        // the device returns it.
        match unsafe { self.raw.receive_begin(&mut buffer) } {
            Ok(token) => self.receive_buffers[token as usize] = Some(buffer),
            Err(error) => log::warn!("virtio-net: cannot post a receive buffer: {error}"),
        }
    }

    /// Acknowledges the device's interrupt.
    pub fn acknowledge(&mut self) {
        self.raw.ack_interrupt();
    }

    /// Moves every frame the device has received into `arrived`; true if there were any.
    pub fn fetch(&mut self) -> bool {
        let mut any = false;
        while let Some(token) = self.raw.poll_receive() {
            let Some(mut buffer) = self
                .receive_buffers
                .get_mut(token as usize)
                .and_then(Option::take)
            else {
                log::warn!("virtio-net: the device returned unknown receive token {token}");
                return any;
            };
            // SAFETY: `buffer` is the one posted under `token`.
            match unsafe { self.raw.receive_complete(token, &mut buffer) } {
                Ok((header, length)) if length <= MAX_FRAME && self.arrived.len() < MAX_WAITING => {
                    self.arrived
                        .push_back(buffer[header..header + length].to_vec());
                    any = true;
                }
                Ok(_) => {}
                Err(error) => log::warn!("virtio-net: bad receive completion: {error}"),
            }
            self.post(buffer);
        }
        any
    }

    /// Takes back the buffers of frames the device has sent.
    fn reclaim(&mut self) {
        while let Some(token) = self.raw.poll_transmit() {
            let Some(buffer) = self
                .in_flight
                .get_mut(token as usize)
                .and_then(Option::take)
            else {
                log::warn!("virtio-net: the device returned unknown transmit token {token}");
                return;
            };
            // SAFETY: `buffer` is the one sent under `token`.
            let _ = unsafe { self.raw.transmit_complete(token, &buffer) };
        }
    }

    /// Sends one frame (header room included), waiting for a free descriptor if the queue is
    /// full: the device drains it by itself.
    fn send(&mut self, frame: Vec<u8>) {
        self.reclaim();
        while !self.raw.can_send() {
            core::hint::spin_loop();
            self.reclaim();
        }
        // SAFETY: the frame is kept in `in_flight` under its token until the device is done.
        match unsafe { self.raw.transmit_begin(&frame) } {
            Ok(token) => self.in_flight[token as usize] = Some(frame),
            Err(error) => log::warn!("virtio-net: cannot send a frame: {error}"),
        }
    }
}

pub struct RxToken(Vec<u8>);

pub struct TxToken<'a>(&'a mut NetDevice);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, length: usize, f: F) -> R {
        // The header is 10 or 12 bytes, whichever the device negotiated.
        let mut frame = vec![0u8; 16 + length];
        let header = self.0.raw.fill_buffer_header(&mut frame).unwrap_or(0);
        frame.truncate(header + length);
        let result = f(&mut frame[header..]);
        self.0.send(frame);
        result
    }
}

impl phy::Device for NetDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.arrived.pop_front()?;
        Some((RxToken(frame), TxToken(self)))
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(self))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut capabilities = DeviceCapabilities::default();
        capabilities.medium = Medium::Ethernet;
        capabilities.max_transmission_unit = MAX_FRAME;
        capabilities.checksum.ipv4 = Checksum::Both;
        capabilities
    }
}
