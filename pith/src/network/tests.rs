//! What a request comes to, with and without passt, and the kernel's words for it.

use super::*;

const PASST: &str = "/usr/bin/passt";

fn port(text: &str) -> PortMapping {
    PortMapping::parse(text).unwrap()
}

fn with_passt(request: NetworkRequest) -> Result<Option<Network>, NetworkError> {
    resolve(request, Some(PathBuf::from(PASST)))
}

fn words(request: NetworkRequest, generated_resolv_conf: bool, announce: bool) -> String {
    let network = with_passt(request).unwrap().expect("a network");
    network
        .kernel_words(generated_resolv_conf, announce)
        .join(" ")
}

#[test]
fn auto_is_user_mode_when_passt_is_installed() {
    let network = with_passt(NetworkRequest::default()).unwrap().unwrap();
    assert_eq!(
        network.attachment,
        Attachment::User {
            passt: PathBuf::from(PASST),
            publish: vec![]
        }
    );
    assert_eq!(network.addressing, Addressing::Dhcp);
}

#[test]
fn auto_without_passt_is_loopback_only() {
    assert_eq!(resolve(NetworkRequest::default(), None), Ok(None));
}

#[test]
fn what_needs_passt_without_it_is_an_error() {
    let cases = [
        (
            NetworkRequest {
                mode: Some(NetMode::User),
                ..NetworkRequest::default()
            },
            "--net user asks for user-mode networking",
        ),
        (
            NetworkRequest {
                publish: vec![port("8080:80")],
                ..NetworkRequest::default()
            },
            "publishing a port",
        ),
        (
            NetworkRequest {
                dns: vec![Ipv4Addr::new(1, 1, 1, 1)],
                ..NetworkRequest::default()
            },
            "a nameserver",
        ),
    ];
    for (request, reason) in cases {
        let message = resolve(request, None).unwrap_err().to_string();
        assert!(message.starts_with(reason), "{message}");
        assert!(message.contains("apt-get install passt"), "{message}");
        assert!(message.contains("--net none"), "{message}");
    }
}

#[test]
fn none_refuses_what_configures_a_network() {
    let none = || NetworkRequest {
        mode: Some(NetMode::None),
        ..NetworkRequest::default()
    };
    assert_eq!(with_passt(none()), Ok(None));
    let error = with_passt(NetworkRequest {
        publish: vec![port("8080:80")],
        ..none()
    })
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot publish port 8080:80/tcp with network mode none: ports are published by \
         user-mode networking (passt); use --net user, or drop -p (and [network] publish)"
    );
    let error = with_passt(NetworkRequest {
        address: Some(Ipv4Cidr::parse("10.0.0.2/24").unwrap()),
        ..none()
    })
    .unwrap_err();
    assert!(error
        .to_string()
        .starts_with("--ip ([network] address) configures"));
}

#[test]
fn tap_takes_no_published_ports() {
    let tap = NetworkRequest {
        mode: Some(NetMode::Tap("tap0".into())),
        ..NetworkRequest::default()
    };
    let network = resolve(tap.clone(), None).unwrap().unwrap();
    assert_eq!(
        network.attachment,
        Attachment::Tap {
            name: "tap0".into()
        }
    );
    let error = with_passt(NetworkRequest {
        publish: vec![port("80")],
        ..tap
    })
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("cannot publish port 80:80/tcp with network mode tap:tap0"),
        "{error}"
    );
}

#[test]
fn static_addresses_and_gateways() {
    let address = Some(Ipv4Cidr::parse("192.168.1.20/24").unwrap());
    let request = NetworkRequest {
        address,
        gateway: Some(Ipv4Addr::new(192, 168, 1, 1)),
        ..NetworkRequest::default()
    };
    assert_eq!(
        words(request.clone(), true, false),
        "net=static ip=192.168.1.20/24 gw=192.168.1.1"
    );

    let cases = [
        (
            Some(Ipv4Addr::new(10, 0, 0, 1)),
            "the gateway 10.0.0.1 is not on the network of 192.168.1.20/24",
        ),
        (
            Some(Ipv4Addr::new(192, 168, 1, 20)),
            "the gateway 192.168.1.20 is the VM's own address",
        ),
    ];
    for (gateway, expected) in cases {
        let error = with_passt(NetworkRequest {
            gateway,
            ..request.clone()
        })
        .unwrap_err();
        assert!(error.to_string().starts_with(expected), "{error}");
    }
    let error = with_passt(NetworkRequest {
        address: None,
        ..request
    });
    assert_eq!(error, Err(NetworkError::GatewayWithoutAddress));
}

#[test]
fn dns_words() {
    assert_eq!(
        words(NetworkRequest::default(), true, false),
        "net=dhcp dns=dhcp"
    );
    // The application's own resolv.conf is left alone.
    assert_eq!(words(NetworkRequest::default(), false, false), "net=dhcp");
    let servers = NetworkRequest {
        dns: vec![Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(9, 9, 9, 9)],
        ..NetworkRequest::default()
    };
    assert_eq!(
        words(servers.clone(), false, false),
        "net=dhcp dns=1.1.1.1,9.9.9.9"
    );
    // A static address has no lease to take nameservers from.
    let address = Some(Ipv4Cidr::parse("10.0.0.2/8").unwrap());
    let fixed = NetworkRequest {
        address,
        ..NetworkRequest::default()
    };
    assert_eq!(words(fixed, true, false), "net=static ip=10.0.0.2/8");
}

#[test]
fn announce_with_verbose_and_always_on_tap() {
    assert_eq!(
        words(NetworkRequest::default(), true, true),
        "net=dhcp dns=dhcp announce=1"
    );
    let tap = NetworkRequest {
        mode: Some(NetMode::Tap("tap0".into())),
        ..NetworkRequest::default()
    };
    assert_eq!(words(tap, true, false), "net=dhcp dns=dhcp announce=1");
}

#[test]
fn the_same_host_port_twice_is_refused() {
    let request = NetworkRequest {
        publish: vec![port("8080:80"), port("53/udp"), port("8080:81")],
        ..NetworkRequest::default()
    };
    assert_eq!(
        with_passt(request),
        Err(NetworkError::DuplicatePort("8080/tcp".into()))
    );
    // TCP and UDP ports are distinct.
    let request = NetworkRequest {
        publish: vec![port("53"), port("53/udp")],
        ..NetworkRequest::default()
    };
    assert!(with_passt(request).is_ok());
}

#[test]
fn the_command_line_goes_over_the_manifest() {
    let manifest = NetworkRequest {
        mode: Some(NetMode::User),
        publish: vec![port("8080:80"), port("5353:53/udp")],
        address: Some(Ipv4Cidr::parse("10.0.0.2/24").unwrap()),
        gateway: Some(Ipv4Addr::new(10, 0, 0, 1)),
        dns: vec![Ipv4Addr::new(1, 1, 1, 1)],
    };
    let command_line = NetworkRequest {
        mode: Some(NetMode::Auto),
        publish: vec![port("8080:8000"), port("9000")],
        dns: vec![Ipv4Addr::new(9, 9, 9, 9)],
        ..NetworkRequest::default()
    };
    let merged = manifest.clone().overridden_by(command_line);
    assert_eq!(merged.mode, Some(NetMode::Auto));
    assert_eq!(
        merged.publish,
        [port("5353:53/udp"), port("8080:8000"), port("9000")]
    );
    assert_eq!(merged.address, manifest.address);
    assert_eq!(merged.gateway, manifest.gateway);
    assert_eq!(merged.dns, [Ipv4Addr::new(9, 9, 9, 9)]);

    let unchanged = manifest.clone().overridden_by(NetworkRequest::default());
    assert_eq!(unchanged, manifest);
}
