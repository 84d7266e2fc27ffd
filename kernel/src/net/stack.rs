//! The TCP/IP stack: smoltcp interfaces on the loopback device and, when the VM has one, the
//! virtio-net device, each with its own set of sockets. One lock guards it all (the kernel
//! runs on one CPU and is never preempted); every change is followed by a poll, which moves
//! packets, updates the sockets' states, wakes waiting threads and arms a timer for the next
//! time smoltcp needs to run (retransmissions, delayed ACKs, DHCP).

use alloc::vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use smoltcp::iface::{Config, Interface, PollResult, SocketHandle, SocketSet};
use smoltcp::socket::dhcpv4;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, Ipv4Cidr};
use spin::Mutex;

use super::config::{Addressing, Dns, NetConfig};
use super::loopback::Loopback;
use super::tcp::TcpTable;
use super::udp::UdpTable;
use crate::drivers::virtio::net::NetDevice;
use crate::fs::file::PollState;
use crate::mm::user::write_user;
use crate::syscall::errno::{Errno, SysResult};
use crate::task::timer::{self, Action, TimerId};
use crate::task::wait::WaitQueue;

/// Which interface a smoltcp socket lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkId {
    Loopback,
    External,
}

pub struct Link {
    pub iface: Interface,
    pub sockets: SocketSet<'static>,
}

impl Link {
    fn new(iface: Interface) -> Link {
        Link {
            iface,
            sockets: SocketSet::new(vec![]),
        }
    }
}

pub struct Stack {
    pub loopback: Link,
    loopback_device: Loopback,
    pub external: Option<Link>,
    device: Option<NetDevice>,
    pub tcp: TcpTable,
    pub udp: UdpTable,
    dhcp: Option<SocketHandle>,
    config: NetConfig,
    /// Moves whenever a poll changed some socket, for edge-triggered epoll.
    pub generation: u64,
    /// The application changed something (queued data, closed, listened) since the last
    /// poll: settle the sockets and rearm the timer even if no packet moved.
    pub dirty: bool,
    timer: Option<TimerId>,
}

static STACK: Mutex<Option<Stack>> = Mutex::new(None);

/// Threads waiting for a socket's state to change.
pub static EVENTS: WaitQueue = WaitQueue::new();

/// Rounds of polling in one go, so that loopback traffic (which comes back only on the next
/// round) flows without waiting for the timer.
const MAX_ROUNDS: usize = 64;

pub fn now() -> Instant {
    Instant::from_micros((crate::time::monotonic_ns() / 1000) as i64)
}

/// What a call does to the stack: whether it may change a socket's state by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Receives or looks: only packets change anything, and the interrupt's poll takes
    /// them in.
    Read,
    /// Sends, connects, listens or closes.
    Write,
}

/// Runs `action` on the stack, then polls it; `ENETDOWN` before `init`.
pub fn with<T>(access: Access, action: impl FnOnce(&mut Stack) -> T) -> Result<T, Errno> {
    let mut guard = STACK.lock();
    let stack = guard.as_mut().ok_or(Errno::ENETDOWN)?;
    let result = action(stack);
    // Reading needs no poll: what arrives comes with the device's interrupt. A read that
    // opened the receive window wide marks the stack dirty, to announce it.
    if access == Access::Write || stack.dirty {
        stack.dirty = true;
        stack.poll();
    }
    Ok(result)
}

/// Looks at the stack without polling it (readiness checks).
pub fn peek<T>(look: impl FnOnce(&mut Stack) -> T) -> Option<T> {
    STACK.lock().as_mut().map(look)
}

/// `File::poll` of an internet socket: `events` from the stack, with the stack's generation
/// as the edge counters.
pub fn poll_state(events: impl FnOnce(&mut Stack) -> u32) -> PollState {
    peek(|stack| PollState {
        events: events(stack),
        input: stack.generation,
        output: stack.generation,
    })
    .unwrap_or_default()
}

/// `File::ioctl` of an internet socket: `FIONREAD` from `pending`, then the interface
/// requests.
pub fn ioctl(
    request: u64,
    argument: u64,
    pending: impl FnOnce(&mut Stack) -> Result<usize, Errno>,
) -> SysResult {
    const FIONREAD: u64 = 0x541b;
    if request != FIONREAD {
        return super::interfaces::ioctl(request, argument).unwrap_or(Err(Errno::ENOTTY));
    }
    let count = peek(pending).unwrap_or(Ok(0))?;
    write_user(argument, &(count as i32))?;
    Ok(0)
}

/// Sets up loopback and, if the command line names a virtio-net device, the external
/// interface.
pub fn init(cmdline: &str) {
    let config = NetConfig::parse(cmdline);
    let mut loopback_device = Loopback::default();
    let mut loopback = Link::new(Interface::new(
        Config::new(HardwareAddress::Ip),
        &mut loopback_device,
        now(),
    ));
    loopback.iface.update_ip_addrs(|addresses| {
        let _ = addresses.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8));
        let _ = addresses.push(IpCidr::new(IpAddress::Ipv6(Ipv6Addr::LOCALHOST), 128));
    });

    let mut stack = Stack {
        loopback,
        loopback_device,
        external: None,
        device: NetDevice::probe(cmdline),
        tcp: TcpTable::default(),
        udp: UdpTable::default(),
        dhcp: None,
        config,
        generation: 0,
        dirty: true,
        timer: None,
    };
    if let Some(device) = stack.device.as_mut() {
        let mut iface_config = Config::new(HardwareAddress::Ethernet(EthernetAddress(device.mac)));
        iface_config.random_seed = crate::random::next_u64();
        let mut link = Link::new(Interface::new(iface_config, device, now()));
        match stack.config.addressing.clone() {
            Addressing::Dhcp => {
                stack.dhcp = Some(link.sockets.add(dhcpv4::Socket::new()));
            }
            Addressing::Static { address, gateway } => {
                configure(&mut link, &mut stack.loopback, address, gateway);
            }
        }
        stack.external = Some(link);
    }
    if let (Addressing::Static { address, gateway }, true) =
        (stack.config.addressing.clone(), stack.external.is_some())
    {
        stack.announce(address, gateway);
    }
    if let Dns::Servers(servers) = &stack.config.dns {
        super::resolv::write(servers);
    }
    // The line is edge-triggered and stays high until acknowledged: route it, then lower it,
    // before the first packet can raise it.
    if let Some(device) = stack.device.as_mut() {
        crate::arch::ioapic::route(device.line);
        device.acknowledge();
    }
    stack.poll();
    *STACK.lock() = Some(stack);
}

/// Gives the external interface `address` and a default route through `gateway`; the
/// loopback interface answers for the address too, so the VM reaches itself through it.
fn configure(link: &mut Link, loopback: &mut Link, address: Ipv4Cidr, gateway: Option<Ipv4Addr>) {
    link.iface.update_ip_addrs(|addresses| {
        addresses.clear();
        let _ = addresses.push(IpCidr::Ipv4(address));
    });
    link.iface.routes_mut().remove_default_ipv4_route();
    if let Some(gateway) = gateway {
        let _ = link.iface.routes_mut().add_default_ipv4_route(gateway);
    }
    loopback.iface.update_ip_addrs(|addresses| {
        addresses.retain(|cidr| super::endpoint::is_loopback(cidr.address()));
        let _ = addresses.push(IpCidr::new(IpAddress::Ipv4(address.address()), 32));
    });
}

/// Whether the external interface has an address (or there is none to wait for).
pub fn ready() -> bool {
    peek(|stack| {
        stack
            .external
            .as_ref()
            .is_none_or(|link| link.iface.ipv4_addr().is_some())
    })
    .unwrap_or(true)
}

/// The device's interrupt: take in what arrived and let the stack run.
pub fn interrupt(line: u8) -> bool {
    let mut guard = STACK.lock();
    let Some(stack) = guard.as_mut() else {
        return false;
    };
    let Some(device) = stack.device.as_mut().filter(|device| device.line == line) else {
        return false;
    };
    device.acknowledge();
    // The device also interrupts when it has sent frames; only arrivals need the stack.
    if device.fetch() {
        stack.poll();
    }
    true
}

fn timer_fired(_: u64) {
    if let Some(stack) = STACK.lock().as_mut() {
        stack.timer = None;
        stack.dirty = true;
        stack.poll();
    }
}

impl Stack {
    /// Moves packets until nothing changes, then settles sockets and arms the timer.
    pub fn poll(&mut self) {
        let mut changed = false;
        for _ in 0..MAX_ROUNDS {
            let mut progress = false;
            if let (Some(link), Some(device)) = (self.external.as_mut(), self.device.as_mut()) {
                device.fetch();
                self.tcp
                    .admit(LinkId::External, link, &mut device.arrived, true);
                let result = link.iface.poll(now(), device, &mut link.sockets);
                progress |= result == PollResult::SocketStateChanged;
            }
            let device = &mut self.loopback_device;
            self.tcp.admit(
                LinkId::Loopback,
                &mut self.loopback,
                &mut device.arrived,
                false,
            );
            let link = &mut self.loopback;
            progress |=
                link.iface.poll(now(), device, &mut link.sockets) == PollResult::SocketStateChanged;
            changed |= progress;
            // Another round only for what loopback sent back: the device's frames were all
            // taken in, and answered, in this one.
            if self.loopback_device.arrived.is_empty() {
                break;
            }
        }
        self.poll_dhcp();
        // Settling and arming the timer look at every socket: skip them when nothing moved.
        if !changed && !core::mem::take(&mut self.dirty) {
            return;
        }
        if self.tcp.settle(&mut self.loopback, self.external.as_mut()) || changed {
            self.generation += 1;
            EVENTS.wake_all();
            crate::fs::poll::notify();
        }
        self.arm_timer();
    }

    fn arm_timer(&mut self) {
        let now = now();
        let mut next = self.loopback.iface.poll_at(now, &self.loopback.sockets);
        if let Some(link) = self.external.as_mut() {
            let external = link.iface.poll_at(now, &link.sockets);
            next = match (next, external) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if let Some(timer) = self.timer.take() {
            timer::cancel(timer);
        }
        if let Some(at) = next {
            // Never sooner than 100 µs from now: smoltcp asks for "now" when it has work.
            let at_ns = (at.total_micros().max(now.total_micros() + 100) as u64) * 1000;
            self.timer = Some(timer::add(at_ns, Action::Call(timer_fired, 0)));
        }
    }

    fn poll_dhcp(&mut self) {
        let (Some(handle), Some(link)) = (self.dhcp, self.external.as_mut()) else {
            return;
        };
        let event = link.sockets.get_mut::<dhcpv4::Socket>(handle).poll();
        match event {
            None => {}
            Some(dhcpv4::Event::Configured(lease)) => {
                let servers: alloc::vec::Vec<Ipv4Addr> =
                    lease.dns_servers.iter().copied().collect();
                let (address, router) = (lease.address, lease.router);
                configure(link, &mut self.loopback, address, router);
                if self.config.dns == Dns::FromDhcp {
                    super::resolv::write(&servers);
                }
                self.announce(address, router);
            }
            // The client starts by reporting "deconfigured"; only a lost address matters.
            Some(dhcpv4::Event::Deconfigured) if link.iface.ipv4_addr().is_none() => {}
            Some(dhcpv4::Event::Deconfigured) => {
                log::warn!("network: the DHCP lease was lost");
                link.iface.update_ip_addrs(|addresses| addresses.clear());
                link.iface.routes_mut().remove_default_ipv4_route();
            }
        }
    }

    fn announce(&self, address: Ipv4Cidr, gateway: Option<Ipv4Addr>) {
        let via = gateway
            .map(|gateway| alloc::format!(", gateway {gateway}"))
            .unwrap_or_default();
        if self.config.announce {
            crate::drivers::console::write_stderr(
                alloc::format!("[pith] network: address {address}{via}\n").as_bytes(),
            );
        } else {
            log::info!("network: address {address}{via}");
        }
    }
}
