//! Moves bytes between pith's standard streams and the VM's serial ports, as raw bytes as they
//! arrive (docs/host-protocol.md): COM1 to standard output, COM2 to standard error, and the
//! control frames of COM3 both ways (exit status in, standard input out).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::Sender;
use std::thread::{self, JoinHandle};

use crate::diagnostics::crash::Crash;
use crate::frame::{self, FrameDecoder, GuestExit, GuestFrame};

const BUFFER_SIZE: usize = 64 * 1024;
/// Standard input is sent in frames no larger than this, which the kernel buffers easily.
const STDIN_CHUNK: usize = 4096;

/// What the VM session waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The guest reported how it ended.
    Exit(GuestExit),
    /// The guest sent what a crash report needs, before its exit.
    Crash(Box<Crash>),
    /// The control port closed, which means QEMU has exited.
    ControlClosed,
    /// pith's standard output is a pipe whose reader has gone.
    StdoutClosed,
    /// pith was asked to stop by this signal.
    Signal(i32),
}

/// pith's ends of the three serial sockets.
#[derive(Debug)]
pub struct HostPorts {
    pub stdout: UnixStream,
    pub stderr: UnixStream,
    pub control: UnixStream,
}

/// The threads copying the VM's output.
pub struct Console {
    threads: Vec<JoinHandle<()>>,
}

impl Console {
    /// Starts copying. Standard input is forwarded only if `forward_stdin`; its thread is left
    /// alone at the end, as it may be blocked reading a terminal.
    pub fn start(
        ports: HostPorts,
        forward_stdin: bool,
        events: Sender<Event>,
    ) -> io::Result<Console> {
        let HostPorts {
            stdout,
            stderr,
            control,
        } = ports;
        if forward_stdin {
            let port = control.try_clone()?;
            spawn("pith-stdin", move || forward_stdin_to(port))?;
        }

        let stdout_events = events.clone();
        let threads = vec![
            spawn("pith-stdout", move || {
                copy_output(stdout, io::stdout(), Some(stdout_events))
            })?,
            spawn("pith-stderr", move || {
                copy_output(stderr, io::stderr(), None)
            })?,
            spawn("pith-control", move || read_control(control, events))?,
        ];
        Ok(Console { threads })
    }

    /// Waits until everything the VM wrote has been copied out; call it once QEMU has exited,
    /// when the ports reach end of file.
    pub fn drain(self) {
        for thread in self.threads {
            // A copying thread that panicked has nothing left to give.
            let _ = thread.join();
        }
        let _ = io::stdout().flush();
    }
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name.to_owned()).spawn(body)
}

/// Copies one port to one of pith's streams until the port closes. If the stream fails (a
/// closed pipe), `closed` hears of it and the rest is read and dropped, so that the guest
/// never blocks on a port nobody reads.
fn copy_output(mut port: UnixStream, mut to: impl Write, closed: Option<Sender<Event>>) {
    let mut buffer = vec![0; BUFFER_SIZE];
    let mut open = true;
    loop {
        let len = match port.read(&mut buffer) {
            Ok(0) => return,
            Ok(len) => len,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        if open
            && to
                .write_all(&buffer[..len])
                .and_then(|()| to.flush())
                .is_err()
        {
            open = false;
            if let Some(events) = &closed {
                let _ = events.send(Event::StdoutClosed);
            }
        }
    }
}

/// Reads control frames until the port closes.
fn read_control(mut port: UnixStream, events: Sender<Event>) {
    let mut decoder = FrameDecoder::default();
    let mut buffer = vec![0; BUFFER_SIZE];
    loop {
        let len = match port.read(&mut buffer) {
            Ok(0) => break,
            Ok(len) => len,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                log::debug!("reading the control port failed: {error}");
                break;
            }
        };
        decoder.push(&buffer[..len]);
        while let Some(frame) = decoder.next_frame() {
            match frame {
                Ok(GuestFrame::Exit(exit)) => {
                    let _ = events.send(Event::Exit(exit));
                }
                Ok(GuestFrame::Crash(crash)) => {
                    let _ = events.send(Event::Crash(crash));
                }
                Ok(GuestFrame::Unknown(kind)) => {
                    log::debug!("ignoring a control frame of unknown type {kind:#04x}")
                }
                Err(error) => log::warn!("{error}"),
            }
        }
    }
    let _ = events.send(Event::ControlClosed);
}

/// Sends pith's standard input to the guest as `stdin data` frames, then `stdin end`. A
/// terminal stays in its normal line mode, so the user edits lines and Ctrl-D ends input.
fn forward_stdin_to(mut port: UnixStream) {
    let mut stdin = io::stdin().lock();
    let mut buffer = vec![0; STDIN_CHUNK];
    loop {
        let len = match stdin.read(&mut buffer) {
            Ok(len) => len,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                log::debug!("reading standard input failed: {error}; ending it");
                0
            }
        };
        let frame = if len == 0 {
            frame::encode(frame::STDIN_END, &[])
        } else {
            frame::encode(frame::STDIN_DATA, &buffer[..len])
        };
        // The VM is gone once its port refuses data; nothing is left to do.
        if port.write_all(&frame).is_err() || len == 0 {
            return;
        }
    }
}

/// Whether to read standard input at all: not from a terminal that belongs to the foreground
/// job while pith runs in the background (`pith run server &`), where reading would stop
/// pith with SIGTTIN even if the program never reads.
pub fn should_forward_stdin() -> bool {
    let stdin = io::stdin();
    if !rustix::termios::isatty(&stdin) {
        return true;
    }
    match rustix::termios::tcgetpgrp(&stdin) {
        Ok(foreground) => foreground == rustix::process::getpgrp(),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn output_is_copied_until_end_of_file() {
        let (mut guest, host) = UnixStream::pair().unwrap();
        let (events, _received) = mpsc::channel();
        let copier = thread::spawn(move || {
            let mut out = Vec::new();
            copy_output(host, &mut out, Some(events));
            out
        });
        guest.write_all(b"hello, ").unwrap();
        guest.write_all(b"world\n").unwrap();
        drop(guest);
        assert_eq!(copier.join().unwrap(), b"hello, world\n");
    }

    #[test]
    fn failed_output_is_reported_and_drained() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (mut guest, host) = UnixStream::pair().unwrap();
        let (events, received) = mpsc::channel();
        let copier = thread::spawn(move || copy_output(host, Closed, Some(events)));
        guest.write_all(&[b'x'; 3 * BUFFER_SIZE]).unwrap();
        drop(guest);
        copier.join().unwrap();
        assert_eq!(received.recv().unwrap(), Event::StdoutClosed);
        assert!(received.try_recv().is_err(), "reported once");
    }

    #[test]
    fn control_port_reports_exit_then_close() {
        let (mut guest, host) = UnixStream::pair().unwrap();
        let (events, received) = mpsc::channel();
        let reader = thread::spawn(move || read_control(host, events));
        guest.write_all(&frame::encode(0x7f, b"later")).unwrap();
        guest
            .write_all(&frame::encode(frame::EXIT, &[1, 9, 0, 0, 0]))
            .unwrap();
        drop(guest);
        reader.join().unwrap();
        let exit = Event::Exit(GuestExit::Signaled(9));
        assert_eq!(received.recv().unwrap(), exit);
        assert_eq!(received.recv().unwrap(), Event::ControlClosed);
    }
}
