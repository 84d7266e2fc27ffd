//! Networking end to end, all on this machine: servers in the VM reached from the host
//! through ports published with `-p` (passt forwards them), and clients in the VM reaching
//! servers on the host's loopback through the gateway address. Every byte that crosses is
//! checked, and every VM must end with the status its program gave.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use common::net::{free_tcp_port, free_udp_port, host_gateway, pith_run, Serving};
use common::{go_guest, rust_guest};

/// How long a host-side read waits before the test calls the connection stuck.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// pith's exit status when SIGTERM stopped it.
const STOPPED_BY_SIGTERM: i32 = 128 + 15;

/// `length` bytes that no small period repeats, so that a lost, repeated or reordered
/// segment changes them.
fn pattern(length: usize, seed: usize) -> Vec<u8> {
    (0..length)
        .map(|index| ((index + seed) % 251) as u8)
        .collect()
}

/// Panics unless `echoed` is `sent`, saying where they part.
fn assert_same_bytes(echoed: &[u8], sent: &[u8], what: &str) {
    if echoed != sent {
        let first = echoed.iter().zip(sent).position(|(a, b)| a != b);
        panic!(
            "{what}: {} bytes came back of {} sent; first difference at {first:?}",
            echoed.len(),
            sent.len()
        );
    }
}

/// Connects to a published port on the host's loopback.
fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connecting");
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    stream
}

/// Sends `payload` from a thread of its own while reading the echo on this one (neither
/// side may wait for the other with full buffers); returns the echo once it is as long as
/// the payload, and checks that the end of the stream follows the close of the sending side.
/// The client closes only after the whole echo is in, so that the server's last write is
/// never racing its exit (`data_written_just_before_exit_reaches_the_host` checks that
/// race on its own).
fn echo_round_trip(stream: TcpStream, payload: Vec<u8>) -> Vec<u8> {
    let length = payload.len();
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || writer.write_all(&payload).expect("sending the payload"));
    let mut echoed = vec![0u8; length];
    let mut reader = stream;
    let mut filled = 0;
    while filled < length {
        match reader
            .read(&mut echoed[filled..])
            .expect("reading the echo")
        {
            0 => break,
            count => filled += count,
        }
    }
    echoed.truncate(filled);
    sender.join().expect("sender thread");

    reader.shutdown(Shutdown::Write).expect("shutdown(SHUT_WR)");
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).expect("reading to the end");
    assert_eq!(rest.len(), 0, "bytes after the echo");
    echoed
}

#[test]
fn rust_echo_server_behind_a_published_port() {
    const GUEST_PORT: &str = "7000";
    const MEBIBYTE: usize = 1 << 20;
    const CONCURRENT: usize = 4;
    const CONCURRENT_SIZE: usize = 64 * 1024;
    let host_port = free_tcp_port();
    let program = rust_guest("net-echo");
    let connections = (2 + CONCURRENT).to_string();
    let running = pith_run(
        &["-p", &format!("{host_port}:{GUEST_PORT}")],
        &program,
        &["tcp", GUEST_PORT, &connections],
    )
    .spawn();
    let mut serving = Serving::new(running);
    serving.running().wait_for_stdout("listening\n");

    // Lines, each answered before the next is sent.
    let stream = connect(host_port);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    for number in 1..=3 {
        let line = format!("line {number} through passt\n");
        writer.write_all(line.as_bytes()).unwrap();
        let mut answer = String::new();
        reader
            .read_line(&mut answer)
            .expect("reading an echoed line");
        assert_eq!(answer, line);
    }
    drop((reader, writer));

    let payload = pattern(MEBIBYTE, 0);
    let echoed = echo_round_trip(connect(host_port), payload.clone());
    assert_same_bytes(&echoed, &payload, "the mebibyte");

    let clients: Vec<_> = (0..CONCURRENT)
        .map(|seed| {
            thread::spawn(move || {
                let payload = pattern(CONCURRENT_SIZE, seed + 1);
                (
                    echo_round_trip(connect(host_port), payload.clone()),
                    payload,
                )
            })
        })
        .collect();
    for client in clients {
        let (echoed, payload) = client.join().expect("client thread");
        assert_same_bytes(&echoed, &payload, "a concurrent connection");
    }

    let lines_bytes = 3 * "line 1 through passt\n".len();
    let total = lines_bytes + MEBIBYTE + CONCURRENT * CONCURRENT_SIZE;
    serving
        .wait()
        .assert_stdout(&format!(
            "listening\nserved {connections} connections, {total} bytes\n"
        ))
        .assert_status(0);
}

/// A server on the host's loopback that greets its one client, echoes what it sends until
/// it closes its side, then closes; returns the client's address and the bytes echoed.
fn host_echo_server(listener: TcpListener) -> thread::JoinHandle<(SocketAddr, usize)> {
    thread::spawn(move || {
        let (mut stream, peer) = listener.accept().expect("accepting the guest");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        stream.write_all(b"hello from the host\n").unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut echoed = 0;
        loop {
            let count = stream.read(&mut buffer).expect("reading from the guest");
            if count == 0 {
                return (peer, echoed);
            }
            stream.write_all(&buffer[..count]).expect("echoing");
            echoed += count;
        }
    })
}

#[test]
fn rust_client_reaches_a_host_server_through_the_gateway() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let server = host_echo_server(listener);

    let program = rust_guest("net-client");
    let gateway = host_gateway().to_string();
    let outcome = pith_run(&[], &program, &["tcp", &gateway, &port]).run();
    outcome
        .assert_stdout(
            "connected: true\ngreeting: hello from the host\n\
             sent 262144 bytes, echo identical: true, then end of stream with 0 more bytes\n",
        )
        .assert_status(0);

    let (peer, echoed) = server.join().expect("host server thread");
    assert_eq!(echoed, 256 * 1024);
    assert_eq!(
        peer.ip(),
        Ipv4Addr::LOCALHOST,
        "passt connects from the host's loopback"
    );
}

#[test]
fn udp_round_trip_from_the_guest_to_a_host_server() {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    let server = thread::spawn(move || {
        let mut buffer = [0u8; 2048];
        for _ in 0..3 {
            let (length, sender) = socket.recv_from(&mut buffer).expect("a datagram");
            let answer = buffer[..length].to_ascii_uppercase();
            socket.send_to(&answer, sender).expect("answering");
        }
    });

    let program = rust_guest("net-client");
    let gateway = host_gateway().to_string();
    pith_run(&[], &program, &["udp", &gateway, &port])
        .run()
        .assert_stdout(
            "reply from the server: true: DATAGRAM 1 FROM THE GUEST\n\
         reply from the server: true: DATAGRAM 2 FROM THE GUEST\n\
         reply from the server: true: DATAGRAM 3 FROM THE GUEST\n",
        )
        .assert_status(0);
    server.join().expect("host server thread");
}

#[test]
fn udp_from_the_host_to_a_published_guest_port() {
    const GUEST_PORT: &str = "5353";
    let host_port = free_udp_port();
    let program = rust_guest("net-echo");
    let running = pith_run(
        &["-p", &format!("{host_port}:{GUEST_PORT}/udp")],
        &program,
        &["udp", GUEST_PORT],
    )
    .spawn();
    let mut serving = Serving::new(running);
    serving.running().wait_for_stdout("listening\n");

    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    socket.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    socket.connect((Ipv4Addr::LOCALHOST, host_port)).unwrap();
    let mut buffer = [0u8; 2048];
    for size in [1, 100, 1400] {
        let datagram = pattern(size, size);
        socket.send(&datagram).expect("sending a datagram");
        let length = socket.recv(&mut buffer).expect("the echoed datagram");
        assert!(buffer[..length] == datagram[..], "datagram of {size} bytes");
    }
    socket.send(b"quit").expect("sending quit");
    serving
        .wait()
        .assert_stdout("listening\nechoed 3 datagrams, 1501 bytes\n")
        .assert_status(0);
}

/// Sends `request` on a new connection and reads the answer to its end.
fn http_exchange(port: u16, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn go_http_server_answers_with_exact_bytes() {
    const GUEST_PORT: &str = "8080";
    let host_port = free_tcp_port();
    let program = go_guest("httpserver");
    let running = pith_run(
        &["-p", &format!("{host_port}:{GUEST_PORT}")],
        &program,
        &[GUEST_PORT],
    )
    .spawn();
    let mut serving = Serving::new(running);
    serving.running().wait_for_stdout("listening\n");

    let get = |path: &str| {
        let request = format!("GET {path} HTTP/1.1\r\nHost: pith\r\nConnection: close\r\n\r\n");
        http_exchange(host_port, &request).expect("an HTTP exchange")
    };
    assert_eq!(
        get("/hello"),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 14\r\nConnection: close\r\n\r\nhello from Go\n"
    );
    // Pith's /etc/hosts names localhost on both loopback addresses.
    assert_eq!(
        get("/lookup"),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: 25\r\nConnection: close\r\n\r\nlocalhost: 127.0.0.1 ::1\n"
    );
    // Go's own 404 page carries a Date: leave that line out.
    let missing = get("/missing");
    let without_date: Vec<&str> = missing
        .split("\r\n")
        .filter(|line| !line.starts_with("Date: "))
        .collect();
    assert_eq!(
        without_date.join("\r\n"),
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
         X-Content-Type-Options: nosniff\r\nContent-Length: 19\r\nConnection: close\r\n\r\n\
         404 page not found\n"
    );
    serving
        .stop()
        .assert_stdout("listening\n")
        .assert_status(STOPPED_BY_SIGTERM);
}

/// A program that writes and exits at once leaves the data to the kernel, which on Linux
/// sends it after the process is gone: the VM must not power off before it is delivered.
#[test]
fn data_written_just_before_exit_reaches_the_host() {
    const BYTES: usize = 256 * 1024;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let server = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accepting the guest");
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        let mut received = Vec::new();
        stream
            .read_to_end(&mut received)
            .expect("reading to the end");
        received
    });

    let program = rust_guest("net-client");
    let gateway = host_gateway().to_string();
    pith_run(
        &[],
        &program,
        &["send", &gateway, &port, &BYTES.to_string()],
    )
    .run()
    .assert_stdout(&format!("wrote {BYTES} bytes\n"))
    .assert_status(0);
    let received = server.join().expect("host server thread");
    assert_same_bytes(&received, &pattern(BYTES, 0), "what the host received");
}
