//! A client for the network tests, reaching a server on the host through the gateway:
//! `net-client tcp ADDRESS PORT` reads the server's greeting line, sends 256 KiB and
//! checks that the same bytes come back before the server closes; `net-client udp ADDRESS
//! PORT` sends three datagrams and prints the answers; `net-client send ADDRESS PORT BYTES`
//! sends BYTES bytes and exits at once, leaving the rest to the kernel as Linux does. It
//! prints one line per step.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

/// How long a read may wait before the client gives up: a lost packet fails the test
/// instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(20);
const PAYLOAD: usize = 256 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, address, port, rest) = match args.as_slice() {
        [mode, address, port, rest @ ..] => (mode, address, port, rest),
        _ => usage(),
    };
    let address: Ipv4Addr = address.parse().expect("ADDRESS is an IPv4 address");
    let server = SocketAddr::from((address, port.parse().expect("PORT is a number")));
    match (mode.as_str(), rest) {
        ("tcp", []) => tcp(server),
        ("udp", []) => udp(server),
        ("send", [bytes]) => send(server, bytes.parse().expect("BYTES is a number")),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: net-client tcp|udp ADDRESS PORT | net-client send ADDRESS PORT BYTES");
    std::process::exit(2);
}

fn tcp(server: SocketAddr) {
    let stream = TcpStream::connect(server).expect("connecting");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    println!("connected: {}", stream.peer_addr().unwrap() == server);

    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut greeting = String::new();
    reader
        .read_line(&mut greeting)
        .expect("reading the greeting");
    print!("greeting: {greeting}");

    // Write from a thread of its own: the server echoes while we send, and neither side
    // may block the other with full buffers. The write side closes only once the whole
    // echo is in: passt (Debian 12's) ignores the window updates of a guest that has
    // closed its side, so data still on its way would stall.
    let payload = pattern(PAYLOAD);
    let mut writer = stream.try_clone().unwrap();
    let sent = payload.clone();
    let sender = thread::spawn(move || writer.write_all(&sent).expect("sending"));
    let mut echoed = vec![0u8; PAYLOAD];
    reader.read_exact(&mut echoed).expect("reading the echo");
    sender.join().expect("sender thread");
    stream.shutdown(Shutdown::Write).expect("shutdown(SHUT_WR)");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("reading to the end");
    println!(
        "sent {} bytes, echo identical: {}, then end of stream with {} more bytes",
        payload.len(),
        echoed == payload,
        rest.len()
    );
}

fn udp(server: SocketAddr) {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("binding");
    socket.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut buffer = [0u8; 2048];
    for round in 1..=3 {
        let message = format!("datagram {round} from the guest");
        socket.send_to(message.as_bytes(), server).expect("sending");
        let (length, sender) = socket.recv_from(&mut buffer).expect("receiving");
        println!(
            "reply from the server: {}: {}",
            sender == server,
            String::from_utf8_lossy(&buffer[..length])
        );
    }
}

/// Writes `length` bytes and returns: `exit` follows while they may still be on their way.
fn send(server: SocketAddr, length: usize) {
    let mut stream = TcpStream::connect(server).expect("connecting");
    stream.write_all(&pattern(length)).expect("sending");
    println!("wrote {length} bytes");
}

/// `length` bytes that are not periodic in any small power of two, so that a lost or
/// repeated segment cannot go unnoticed.
fn pattern(length: usize) -> Vec<u8> {
    (0..length).map(|index| (index % 251) as u8).collect()
}
