//! Recognises a TCP connection request (a SYN without ACK) in a received frame, with the
//! address and port it is for, without trusting a byte of it.

use smoltcp::wire::{
    EthernetFrame, EthernetProtocol, IpAddress, IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket,
};

/// The destination of the SYN in `frame` (an Ethernet frame, or a bare IP packet).
pub fn connection_request(frame: &[u8], ethernet: bool) -> Option<(IpAddress, u16)> {
    let packet = if ethernet {
        let frame = EthernetFrame::new_checked(frame).ok()?;
        match frame.ethertype() {
            EthernetProtocol::Ipv4 | EthernetProtocol::Ipv6 => frame.payload(),
            _ => return None,
        }
    } else {
        frame
    };
    let (destination, segment) = match packet.first()? >> 4 {
        4 => {
            let ip = Ipv4Packet::new_checked(packet).ok()?;
            if ip.next_header() != IpProtocol::Tcp {
                return None;
            }
            (IpAddress::Ipv4(ip.dst_addr()), ip.payload())
        }
        6 => {
            let ip = Ipv6Packet::new_checked(packet).ok()?;
            if ip.next_header() != IpProtocol::Tcp {
                return None;
            }
            (IpAddress::Ipv6(ip.dst_addr()), ip.payload())
        }
        _ => return None,
    };
    let tcp = TcpPacket::new_checked(segment).ok()?;
    (tcp.syn() && !tcp.ack()).then(|| (destination, tcp.dst_port()))
}
