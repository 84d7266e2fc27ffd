// Internet sockets on loopback (socket(7), tcp(7), udp(7), ipv6(7)) with exact results and
// errno values: connecting over 127.0.0.1 and ::1, a dual-stack listener, addresses,
// nonblocking calls, receive flags, shutdown and EPIPE, socket options, epoll, and UDP.
// `net SECTION...` runs the sections named (connect, stream, options, epoll, hangup, udp),
// `net` all of them; `net gateway ADDRESS PORT` talks to a server on the host.
// Each line is "what: result", errno names for failures; the output is Linux's, so the
// program can be run natively to compare.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct sockaddr_storage Address;

// The name of `error`, for the errno values these checks can meet (musl has no
// strerrorname_np).
static const char *errno_name(int error) {
    static const struct { int value; const char *name; } names[] = {
        {EAGAIN, "EAGAIN"}, {EINPROGRESS, "EINPROGRESS"}, {EALREADY, "EALREADY"},
        {EADDRINUSE, "EADDRINUSE"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
        {ECONNREFUSED, "ECONNREFUSED"}, {ECONNRESET, "ECONNRESET"}, {EPIPE, "EPIPE"},
        {ENOTCONN, "ENOTCONN"}, {EISCONN, "EISCONN"}, {EDESTADDRREQ, "EDESTADDRREQ"},
        {EINVAL, "EINVAL"}, {EBADF, "EBADF"}, {EFAULT, "EFAULT"}, {ENOTSOCK, "ENOTSOCK"},
        {ENOPROTOOPT, "ENOPROTOOPT"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
        {EMSGSIZE, "EMSGSIZE"}, {ETIMEDOUT, "ETIMEDOUT"}, {ENOSYS, "ENOSYS"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].value == error) return names[i].name;
    }
    static char other[32];
    snprintf(other, sizeof other, "errno %d", error);
    return other;
}

// Prints "what: value", or "what: -1 ENAME" for a failed call.
static void show(const char *what, long value) {
    if (value == -1) {
        printf("%s: -1 %s\n", what, errno_name(errno));
    } else {
        printf("%s: %ld\n", what, value);
    }
}

static long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&pause, NULL);
}

// `address` as text without its port: 127.0.0.1, [::1], [::ffff:127.0.0.1].
static const char *host_of(const Address *address) {
    static char text[2][INET6_ADDRSTRLEN + 2];
    static int next;
    char *out = text[next++ % 2];
    if (address->ss_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, out, sizeof text[0]);
    } else {
        char inner[INET6_ADDRSTRLEN];
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        inet_ntop(AF_INET6, &v6->sin6_addr, inner, sizeof inner);
        snprintf(out, sizeof text[0], "[%s]", inner);
    }
    return out;
}

static int port_of(const Address *address) {
    return ntohs(((const struct sockaddr_in *)address)->sin_port); // same offset in sockaddr_in6
}

static Address local_of(int fd) {
    Address address = {0};
    socklen_t length = sizeof address;
    getsockname(fd, (struct sockaddr *)&address, &length);
    return address;
}

static Address peer_of(int fd) {
    Address address = {0};
    socklen_t length = sizeof address;
    getpeername(fd, (struct sockaddr *)&address, &length);
    return address;
}

static int local_port(int fd) {
    Address address = local_of(fd);
    return port_of(&address);
}

// `host` (numeric) and `port` as a socket address.
static socklen_t make_address(Address *address, const char *host, int port) {
    memset(address, 0, sizeof *address);
    struct sockaddr_in *v4 = (struct sockaddr_in *)address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)address;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return sizeof *v4;
    }
    inet_pton(AF_INET6, host, &v6->sin6_addr);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof *v6;
}

static int bind_to(int fd, const char *host, int port) {
    Address address;
    socklen_t length = make_address(&address, host, port);
    return bind(fd, (struct sockaddr *)&address, length);
}

static int connect_to(int fd, const char *host, int port) {
    Address address;
    socklen_t length = make_address(&address, host, port);
    return connect(fd, (struct sockaddr *)&address, length);
}

// A TCP listener on `host`, port chosen by the kernel.
static int listener_on(int family, const char *host) {
    int fd = socket(family, SOCK_STREAM, 0);
    bind_to(fd, host, 0);
    listen(fd, 8);
    return fd;
}

static int get_int(int fd, int level, int name) {
    int value = -2;
    socklen_t length = sizeof value;
    if (getsockopt(fd, level, name, &value, &length) == -1) return -1;
    return value;
}

static int set_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

// A connected pair over 127.0.0.1: `ends[0]` connected, `ends[1]` accepted.
static void tcp_pair(int ends[2]) {
    int listener = listener_on(AF_INET, "127.0.0.1");
    ends[0] = socket(AF_INET, SOCK_STREAM, 0);
    connect_to(ends[0], "127.0.0.1", local_port(listener));
    ends[1] = accept(listener, NULL, NULL);
    close(listener);
}

// Waits until `fd` has `events` (data arrives over loopback through the stack).
static void wait_for(int fd, short events) {
    struct pollfd watch = {.fd = fd, .events = events};
    poll(&watch, 1, 5000);
}

static void self_connect(int family, const char *host) {
    printf("-- %s\n", host);
    int listener = listener_on(family, host);
    Address listening = local_of(listener);
    printf("listener: %s, port chosen: %d\n", host_of(&listening), port_of(&listening) > 0);

    int client = socket(family, SOCK_STREAM, 0);
    show("connect", connect_to(client, host, port_of(&listening)));
    Address peer = peer_of(client), local = local_of(client);
    printf("client peer: %s, the listener's port: %d\n", host_of(&peer),
           port_of(&peer) == port_of(&listening));
    printf("client local: %s, another port: %d\n", host_of(&local),
           port_of(&local) != port_of(&listening));

    Address from;
    socklen_t length = sizeof from;
    int server = accept(listener, (struct sockaddr *)&from, &length);
    printf("accepted from: %s, the client's port: %d\n", host_of(&from),
           port_of(&from) == port_of(&local));
    Address server_local = local_of(server);
    printf("accepted local port is the listener's: %d\n",
           port_of(&server_local) == port_of(&listening));

    char buffer[16] = {0};
    write(client, "ping", 4);
    show("server reads", read(server, buffer, sizeof buffer));
    write(server, "pong!", 5);
    show("client reads", read(client, buffer, sizeof buffer));
    printf("client got: %.5s\n", buffer);

    int second = socket(family, SOCK_STREAM, 0);
    show("bind to the listener's address", bind_to(second, host, port_of(&listening)));
    show("connect again", connect_to(client, host, port_of(&listening)));
    show("getpeername of a listener", getpeername(listener, (struct sockaddr *)&from, &length));
    close(second);
    close(server);
    close(client);
    close(listener);
}

// An AF_INET6 listener on [::] takes IPv4 clients, seen as v4-mapped addresses.
static void dual_stack(void) {
    printf("-- dual stack\n");
    int listener = listener_on(AF_INET6, "::");
    show("IPV6_V6ONLY", get_int(listener, IPPROTO_IPV6, IPV6_V6ONLY));
    Address listening = local_of(listener);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    show("IPv4 connect to [::]", connect_to(client, "127.0.0.1", port_of(&listening)));
    Address from;
    socklen_t length = sizeof from;
    int server = accept(listener, (struct sockaddr *)&from, &length);
    printf("accepted from: %s, length %u\n", host_of(&from), length);
    Address local = local_of(server);
    printf("accepted local: %s\n", host_of(&local));
    close(server);
    close(client);
    close(listener);
}

static void refused_and_nonblocking(void) {
    printf("-- refused, nonblocking\n");
    // Bound but not listening: nobody takes the port meanwhile, and a SYN to it is refused.
    int closed = socket(AF_INET, SOCK_STREAM, 0);
    bind_to(closed, "127.0.0.1", 0);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    show("connect to a port nobody listens on",
         connect_to(client, "127.0.0.1", local_port(closed)));
    close(client);
    close(closed);

    int listener = listener_on(AF_INET, "127.0.0.1");
    int port = local_port(listener);
    fcntl(listener, F_SETFL, O_NONBLOCK);
    show("accept with nobody waiting", accept(listener, NULL, NULL));
    client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("nonblocking connect", connect_to(client, "127.0.0.1", port));
    struct pollfd watch = {.fd = client, .events = POLLOUT};
    show("poll for POLLOUT", poll(&watch, 1, 5000));
    printf("revents: %#x\n", watch.revents);
    show("SO_ERROR", get_int(client, SOL_SOCKET, SO_ERROR));
    show("connect once connected", connect_to(client, "127.0.0.1", port));
    show("and again", connect_to(client, "127.0.0.1", port));

    wait_for(listener, POLLIN);
    int server = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4: O_NONBLOCK %d, FD_CLOEXEC %d\n", (fcntl(server, F_GETFL) & O_NONBLOCK) != 0,
           fcntl(server, F_GETFD) == FD_CLOEXEC);
    char byte;
    show("read with nothing there", read(server, &byte, 1));
    close(server);
    close(client);
    close(listener);
}

static void names_and_files(void) {
    printf("-- names, files\n");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct stat status;
    fstat(fd, &status);
    char link[64] = {0}, path[32], expected[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    snprintf(expected, sizeof expected, "socket:[%lu]", (unsigned long)status.st_ino);
    printf("S_ISSOCK: %d, /proc/self/fd names its inode: %d\n", S_ISSOCK(status.st_mode),
           strcmp(link, expected) == 0);
    close(fd);

    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found;
    int error = getaddrinfo("localhost", "80", &hints, &found);
    if (error != 0) {
        printf("getaddrinfo(localhost): %s\n", gai_strerror(error));
        return;
    }
    Address first = {0};
    memcpy(&first, found->ai_addr, found->ai_addrlen);
    printf("getaddrinfo(localhost): %s port %d\n", host_of(&first), port_of(&first));
    freeaddrinfo(found);
}

static void section_connect(void) {
    self_connect(AF_INET, "127.0.0.1");
    self_connect(AF_INET6, "::1");
    dual_stack();
    refused_and_nonblocking();
    names_and_files();
}

static int sigpipes;

static void count_sigpipe(int signal) {
    (void)signal;
    sigpipes++;
}

static void *write_later(void *fd) {
    sleep_ms(50);
    write(*(int *)fd, "world", 5);
    return NULL;
}

static void section_stream(void) {
    printf("-- receive flags\n");
    int ends[2];
    tcp_pair(ends);
    char buffer[16] = {0};
    show("recv MSG_DONTWAIT with nothing there",
         recv(ends[1], buffer, sizeof buffer, MSG_DONTWAIT));
    write(ends[0], "hello", 5);
    wait_for(ends[1], POLLIN);
    int pending = -1;
    show("FIONREAD", (ioctl(ends[1], FIONREAD, &pending), pending));
    show("recv MSG_PEEK", recv(ends[1], buffer, 3, MSG_PEEK));
    printf("peeked: %.3s\n", buffer);
    show("FIONREAD after peeking", (ioctl(ends[1], FIONREAD, &pending), pending));
    pthread_t writer;
    pthread_create(&writer, NULL, write_later, &ends[0]);
    show("recv MSG_WAITALL of 10", recv(ends[1], buffer, 10, MSG_WAITALL));
    printf("received: %.10s\n", buffer);
    pthread_join(writer, NULL);

    printf("-- shutdown\n");
    show("shutdown(SHUT_WR)", shutdown(ends[0], SHUT_WR));
    show("peer reads end of stream", read(ends[1], buffer, sizeof buffer));
    show("peer writes back", write(ends[1], "still open", 10));
    show("half-closed side reads", read(ends[0], buffer, sizeof buffer));
    show("shutdown(SHUT_RD)", shutdown(ends[1], SHUT_RD));
    show("read after SHUT_RD", read(ends[1], buffer, sizeof buffer));
    show("shutdown with a bad how", shutdown(ends[1], 7));

    printf("-- EPIPE\n");
    signal(SIGPIPE, SIG_IGN);
    show("write after SHUT_WR, SIGPIPE ignored", write(ends[0], "x", 1));
    signal(SIGPIPE, count_sigpipe);
    show("send MSG_NOSIGNAL", send(ends[0], "x", 1, MSG_NOSIGNAL));
    printf("SIGPIPE handled: %d\n", sigpipes);
    show("send", send(ends[0], "x", 1, 0));
    printf("SIGPIPE handled: %d\n", sigpipes);
    close(ends[0]);
    close(ends[1]);

    int unconnected = socket(AF_INET, SOCK_STREAM, 0);
    show("write on an unconnected socket", send(unconnected, "x", 1, MSG_NOSIGNAL));
    show("read on an unconnected socket", read(unconnected, buffer, 1));
    close(unconnected);
    signal(SIGPIPE, SIG_DFL);
}

static void section_options(void) {
    printf("-- options\n");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    show("SO_TYPE", get_int(fd, SOL_SOCKET, SO_TYPE));
    show("SO_DOMAIN", get_int(fd, SOL_SOCKET, SO_DOMAIN));
    show("SO_PROTOCOL", get_int(fd, SOL_SOCKET, SO_PROTOCOL));
    show("SO_ERROR", get_int(fd, SOL_SOCKET, SO_ERROR));
    show("SO_ACCEPTCONN", get_int(fd, SOL_SOCKET, SO_ACCEPTCONN));
    show("SO_REUSEADDR", get_int(fd, SOL_SOCKET, SO_REUSEADDR));
    set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    show("SO_REUSEADDR set", get_int(fd, SOL_SOCKET, SO_REUSEADDR));
    show("SO_KEEPALIVE", get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
    set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    show("SO_KEEPALIVE set", get_int(fd, SOL_SOCKET, SO_KEEPALIVE));
    show("TCP_NODELAY", get_int(fd, IPPROTO_TCP, TCP_NODELAY));
    set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    show("TCP_NODELAY set", get_int(fd, IPPROTO_TCP, TCP_NODELAY));
    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    show("TCP_KEEPIDLE set to 30", get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE));
    set_int(fd, SOL_SOCKET, SO_RCVBUF, 65536);
    show("SO_RCVBUF set to 65536", get_int(fd, SOL_SOCKET, SO_RCVBUF));
    set_int(fd, SOL_SOCKET, SO_SNDBUF, 65536);
    show("SO_SNDBUF set to 65536", get_int(fd, SOL_SOCKET, SO_SNDBUF));

    struct linger linger = {0};
    socklen_t length = sizeof linger;
    getsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, &length);
    printf("SO_LINGER: %d %d, length %u\n", linger.l_onoff, linger.l_linger, length);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){1, 5}, sizeof linger);
    getsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, &length);
    printf("SO_LINGER set: %d %d\n", linger.l_onoff, linger.l_linger);

    show("unknown option", get_int(fd, SOL_SOCKET, 9999));
    show("unknown TCP option", get_int(fd, IPPROTO_TCP, 9999));
    show("option value too short", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, "", 1));
    show("not a socket", get_int(1, SOL_SOCKET, SO_TYPE));
    int listener = listener_on(AF_INET, "127.0.0.1");
    show("SO_ACCEPTCONN of a listener", get_int(listener, SOL_SOCKET, SO_ACCEPTCONN));
    close(listener);
    close(fd);

    printf("-- SO_RCVTIMEO\n");
    int ends[2];
    tcp_pair(ends);
    struct timeval timeout = {.tv_usec = 200 * 1000}, got = {0};
    setsockopt(ends[1], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    length = sizeof got;
    getsockopt(ends[1], SOL_SOCKET, SO_RCVTIMEO, &got, &length);
    printf("SO_RCVTIMEO: %ld s %ld us\n", (long)got.tv_sec, (long)got.tv_usec);
    long start = now_ms();
    char byte;
    show("read with a timeout", read(ends[1], &byte, 1));
    long waited = now_ms() - start;
    printf("waited 200 ms to 2 s: %d\n", waited >= 190 && waited < 2000);
    close(ends[0]);
    close(ends[1]);
}

static void add(int epoll, int fd, unsigned events) {
    epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &(struct epoll_event){.events = events, .data.fd = fd});
}

// epoll_wait with no timeout: "N events" and the first one's mask.
static void ready(const char *what, int epoll) {
    struct epoll_event events[4];
    int count = epoll_wait(epoll, events, 4, 0);
    if (count > 0) {
        printf("%s: %d, events %#x\n", what, count, events[0].events);
    } else {
        show(what, count);
    }
}

static void section_epoll(void) {
    printf("-- epoll\n");
    int listener = listener_on(AF_INET, "127.0.0.1");
    int epoll = epoll_create1(0);
    add(epoll, listener, EPOLLIN);
    ready("listener, nobody connecting", epoll);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    connect_to(client, "127.0.0.1", local_port(listener));
    wait_for(listener, POLLIN);
    ready("listener with a connection waiting", epoll);
    int server = accept(listener, NULL, NULL);
    ready("listener after accept", epoll);
    close(epoll);

    epoll = epoll_create1(0);
    add(epoll, client, EPOLLOUT);
    ready("connected, EPOLLOUT", epoll);
    close(epoll);

    epoll = epoll_create1(0);
    add(epoll, server, EPOLLIN | EPOLLRDHUP);
    ready("nothing to read", epoll);
    write(client, "abc", 3);
    wait_for(server, POLLIN);
    ready("data to read", epoll);
    char buffer[8];
    read(server, buffer, sizeof buffer);
    ready("after reading", epoll);
    shutdown(client, SHUT_WR);
    wait_for(server, POLLRDHUP);
    ready("peer shut down writing", epoll);
    close(epoll);

    epoll = epoll_create1(0);
    add(epoll, client, EPOLLIN | EPOLLET);
    write(server, "1", 1);
    wait_for(client, POLLIN);
    ready("edge-triggered, data came", epoll);
    ready("edge-triggered, no new data", epoll);
    write(server, "2", 1);
    sleep_ms(20);
    ready("edge-triggered, more data came", epoll);
    close(epoll);
    read(client, buffer, sizeof buffer);

    close(server);
    wait_for(client, POLLRDHUP);
    struct pollfd watch = {.fd = client, .events = POLLIN | POLLOUT | POLLRDHUP};
    poll(&watch, 1, 0);
    printf("both sides shut down, poll revents: %#x\n", watch.revents);
    close(client);
    close(listener);
}

// The peer's FIN is seen before the data ahead of it is read.
static void section_hangup(void) {
    printf("-- hangup with data unread\n");
    int ends[2];
    tcp_pair(ends);
    write(ends[1], "x", 1);
    shutdown(ends[1], SHUT_WR);
    sleep_ms(20);
    struct pollfd watch = {.fd = ends[0], .events = POLLIN | POLLRDHUP};
    show("poll", poll(&watch, 1, 1000));
    printf("revents: %#x\n", watch.revents);
    close(ends[1]);
    sleep_ms(20);
    watch.events = POLLIN | POLLOUT | POLLRDHUP;
    poll(&watch, 1, 1000);
    printf("peer closed, revents: %#x\n", watch.revents);
    char buffer[4];
    show("read", read(ends[0], buffer, sizeof buffer));
    show("read at the end", read(ends[0], buffer, sizeof buffer));
    close(ends[0]);
}

static int udp_on(int family, const char *host) {
    int fd = socket(family, SOCK_DGRAM, 0);
    bind_to(fd, host, 0);
    return fd;
}

static ssize_t send_to(int fd, const char *text, size_t length, int to) {
    Address address = local_of(to);
    return sendto(fd, text, length, 0, (struct sockaddr *)&address, sizeof address);
}

static void section_udp(void) {
    printf("-- udp\n");
    int a = udp_on(AF_INET, "127.0.0.1"), b = udp_on(AF_INET, "127.0.0.1");
    show("SO_TYPE", get_int(a, SOL_SOCKET, SO_TYPE));
    char buffer[32] = {0};
    show("recv with nothing there", recv(b, buffer, sizeof buffer, MSG_DONTWAIT));
    show("sendto", send_to(a, "ping", 4, b));
    Address from;
    socklen_t length = sizeof from;
    show("recvfrom", recvfrom(b, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length));
    Address a_local = local_of(a);
    printf("from: %s, the sender's port: %d, length %u\n", host_of(&from),
           port_of(&from) == port_of(&a_local), length);

    send_to(a, "0123456789", 10, b);
    show("recv MSG_TRUNC into 4 bytes", recv(b, buffer, 4, MSG_TRUNC));
    send_to(a, "0123456789", 10, b);
    struct iovec piece = {.iov_base = buffer, .iov_len = 4};
    struct msghdr message = {.msg_iov = &piece, .msg_iovlen = 1};
    show("recvmsg into 4 bytes", recvmsg(b, &message, 0));
    printf("MSG_TRUNC in msg_flags: %d\n", (message.msg_flags & MSG_TRUNC) != 0);
    show("the rest of the datagram is gone", recv(b, buffer, sizeof buffer, MSG_DONTWAIT));

    send_to(a, "abc", 3, b);
    send_to(a, "defgh", 5, b);
    int pending = -1;
    show("FIONREAD (the first datagram)", (ioctl(b, FIONREAD, &pending), pending));
    show("recv MSG_PEEK", recv(b, buffer, sizeof buffer, MSG_PEEK));
    show("recv", recv(b, buffer, sizeof buffer, 0));
    show("recv", recv(b, buffer, sizeof buffer, 0));

    printf("-- connected udp\n");
    show("send without an address", send(a, "x", 1, 0));
    Address b_local = local_of(b);
    show("connect", connect(a, (struct sockaddr *)&b_local, sizeof(struct sockaddr_in)));
    Address peer = peer_of(a);
    printf("peer is b: %d\n", port_of(&peer) == port_of(&b_local));
    show("send", send(a, "hi", 2, 0));
    show("b receives", recv(b, buffer, sizeof buffer, 0));
    int c = udp_on(AF_INET, "127.0.0.1");
    send_to(c, "stranger", 8, a);
    send_to(b, "friend", 6, a);
    show("a receives only from b", recv(a, buffer, sizeof buffer, 0));
    show("and nothing more", recv(a, buffer, sizeof buffer, MSG_DONTWAIT));

    printf("-- sendmmsg, recvmmsg\n");
    struct iovec pieces[3] = {{"1", 1}, {"22", 2}, {"333", 3}};
    struct mmsghdr out[3] = {0}, in[3] = {0};
    char buffers[3][8];
    struct iovec into[3];
    for (int i = 0; i < 3; i++) {
        out[i].msg_hdr.msg_iov = &pieces[i];
        out[i].msg_hdr.msg_iovlen = 1;
        into[i] = (struct iovec){buffers[i], sizeof buffers[i]};
        in[i].msg_hdr.msg_iov = &into[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    show("sendmmsg", sendmmsg(a, out, 3, 0));
    show("recvmmsg", recvmmsg(b, in, 3, MSG_DONTWAIT, NULL));
    printf("lengths: %u %u %u, first: %.1s\n", in[0].msg_len, in[1].msg_len, in[2].msg_len,
           buffers[0]);
    close(a);
    close(b);
    close(c);

    printf("-- udp over ::1\n");
    int six = udp_on(AF_INET6, "::1"), other = udp_on(AF_INET6, "::1");
    show("sendto [::1]", send_to(six, "v6", 2, other));
    length = sizeof from;
    show("recvfrom", recvfrom(other, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length));
    printf("from: %s, length %u\n", host_of(&from), length);
    close(six);
    close(other);
}

// Through the network device: a server on the host, reached at `address` (the gateway,
// which passt maps to the host's loopback), echoes one line and closes.
static void section_gateway(const char *address, int port) {
    printf("-- gateway\n");
    int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("nonblocking connect", connect_to(client, address, port));
    struct pollfd watch = {.fd = client, .events = POLLOUT};
    show("poll for POLLOUT", poll(&watch, 1, 10000));
    printf("revents: %#x\n", watch.revents);
    show("SO_ERROR", get_int(client, SOL_SOCKET, SO_ERROR));
    show("connect once connected", connect_to(client, address, port));
    show("and again", connect_to(client, address, port));
    Address peer = peer_of(client);
    printf("peer is the server: %d\n",
           strcmp(host_of(&peer), address) == 0 && port_of(&peer) == port);
    fcntl(client, F_SETFL, 0);
    char buffer[64] = {0};
    show("send", send(client, "hello from net.c\n", 17, 0));
    show("recv MSG_WAITALL", recv(client, buffer, 23, MSG_WAITALL));
    printf("received: %s", buffer);
    show("read at the end", read(client, buffer, sizeof buffer));
    close(client);

}

static const struct {
    const char *name;
    void (*run)(void);
} sections[] = {
    {"connect", section_connect}, {"stream", section_stream}, {"options", section_options},
    {"epoll", section_epoll},     {"hangup", section_hangup}, {"udp", section_udp},
};
#define SECTIONS (sizeof sections / sizeof sections[0])

static int usage(void) {
    fprintf(stderr, "usage: net [connect|stream|options|epoll|hangup|udp]...\n"
                    "       net gateway ADDRESS PORT\n");
    return 2;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "gateway") == 0) {
        section_gateway(argv[2], atoi(argv[3]));
        return 0;
    }
    if (argc == 1) {
        for (size_t i = 0; i < SECTIONS; i++) sections[i].run();
        return 0;
    }
    for (int arg = 1; arg < argc; arg++) {
        size_t i = 0;
        while (i < SECTIONS && strcmp(argv[arg], sections[i].name) != 0) i++;
        if (i == SECTIONS) return usage();
        sections[i].run();
    }
    return 0;
}
