// Unix domain sockets (unix(7)) with exact results and errno values: stream, datagram and
// seqpacket sockets, socketpair, names in /tmp and in the abstract namespace, listen
// backlogs, SCM_RIGHTS, shutdown, poll and epoll readiness, timeouts and SIGPIPE. One line
// per check, then a summary. It passes on Linux too: run it natively to compare.

#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

// `offsetof(struct sockaddr_un, sun_path)`: the length of an unnamed address.
#define FAMILY_LENGTH ((socklen_t)offsetof(struct sockaddr_un, sun_path))

static char directory[64];

static long now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&pause, NULL);
}

// A path in this run's directory under /tmp.
static const char *path_of(const char *name) {
    static char paths[8][128];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 128, "%s/%s", directory, name);
    return path;
}

// A filesystem address and its length, as bind(2) and connect(2) take them.
static socklen_t path_address(struct sockaddr_un *address, const char *path) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    strcpy(address->sun_path, path);
    return FAMILY_LENGTH + strlen(path) + 1;
}

// An abstract address: a NUL, then `name` (without a terminating NUL).
static socklen_t abstract_address(struct sockaddr_un *address, const char *name) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path + 1, name, strlen(name));
    return FAMILY_LENGTH + 1 + strlen(name);
}

static int bind_path(int fd, const char *path) {
    struct sockaddr_un address;
    socklen_t length = path_address(&address, path);
    return bind(fd, (struct sockaddr *)&address, length);
}

static int connect_path(int fd, const char *path) {
    struct sockaddr_un address;
    socklen_t length = path_address(&address, path);
    return connect(fd, (struct sockaddr *)&address, length);
}

static int bind_abstract(int fd, const char *name) {
    struct sockaddr_un address;
    socklen_t length = abstract_address(&address, name);
    return bind(fd, (struct sockaddr *)&address, length);
}

static int connect_abstract(int fd, const char *name) {
    struct sockaddr_un address;
    socklen_t length = abstract_address(&address, name);
    return connect(fd, (struct sockaddr *)&address, length);
}

// A listening stream (or seqpacket) socket bound to `path`.
static int listener(int type, const char *path, int backlog) {
    int fd = socket(AF_UNIX, type, 0);
    if (bind_path(fd, path) != 0 || listen(fd, backlog) != 0) {
        printf("FAIL setting up a listener on %s: %s\n", path, strerror(errno));
    }
    return fd;
}

static short poll_one(int fd, short events) {
    struct pollfd entry = {.fd = fd, .events = events};
    return poll(&entry, 1, 0) == 1 ? entry.revents : 0;
}

static int int_option(int fd, int name) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, name, &value, &length) != 0 || length != sizeof value) {
        return -100;
    }
    return value;
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int signal) {
    (void)signal;
    sigpipes++;
}

// ---------------------------------------------------------------------------------------

static void creation(void) {
    int stream = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("socket: stream", stream >= 0);
    int dgram = socket(AF_UNIX, SOCK_DGRAM, PF_UNIX);
    CHECK("socket: datagram, protocol PF_UNIX", dgram >= 0);
    int seqpacket = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK("socket: seqpacket", seqpacket >= 0);
    CHECK_EQ("socket: SOCK_NONBLOCK", fcntl(seqpacket, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    CHECK_EQ("socket: SOCK_CLOEXEC", fcntl(seqpacket, F_GETFD), FD_CLOEXEC);
    CHECK_ERR("socket: SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
    int raw = socket(AF_UNIX, SOCK_RAW, 0);
    CHECK_EQ("socket: SOCK_RAW is a datagram socket", int_option(raw, SO_TYPE), SOCK_DGRAM);
    close(raw);
    CHECK_ERR("socket: protocol 2", socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);

    CHECK_EQ("SO_TYPE stream", int_option(stream, SO_TYPE), SOCK_STREAM);
    CHECK_EQ("SO_TYPE datagram", int_option(dgram, SO_TYPE), SOCK_DGRAM);
    CHECK_EQ("SO_TYPE seqpacket", int_option(seqpacket, SO_TYPE), SOCK_SEQPACKET);
    CHECK_EQ("SO_DOMAIN", int_option(stream, SO_DOMAIN), AF_UNIX);
    CHECK_EQ("SO_PROTOCOL", int_option(stream, SO_PROTOCOL), 0);
    CHECK_EQ("SO_ACCEPTCONN unbound", int_option(stream, SO_ACCEPTCONN), 0);
    CHECK_EQ("SO_ERROR", int_option(stream, SO_ERROR), 0);
    int value = 1;
    CHECK_ERR("setsockopt: level SOL_IP", setsockopt(stream, 0, 1, &value, sizeof value),
              EOPNOTSUPP);

    struct stat status;
    CHECK_EQ("fstat", fstat(stream, &status), 0);
    CHECK("fstat: S_IFSOCK", S_ISSOCK(status.st_mode));
    char link[64], proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", stream);
    ssize_t length = readlink(proc, link, sizeof link - 1);
    link[length > 0 ? length : 0] = 0;
    CHECK("/proc/self/fd: socket:[N]", strncmp(link, "socket:[", 8) == 0);
    CHECK("/proc/self/fd: inode of fstat", atol(link + 8) == (long)status.st_ino);
    CHECK_ERR("lseek", lseek(stream, 0, SEEK_SET), ESPIPE);

    struct sockaddr_un address;
    socklen_t address_length = sizeof address;
    memset(&address, 0x55, sizeof address);
    CHECK_EQ("getsockname unbound", getsockname(stream, (struct sockaddr *)&address,
                                                &address_length), 0);
    CHECK_EQ("getsockname unbound: family only", address_length, FAMILY_LENGTH);
    CHECK_EQ("getsockname unbound: AF_UNIX", address.sun_family, AF_UNIX);
    address_length = sizeof address;
    CHECK_ERR("getpeername unconnected",
              getpeername(stream, (struct sockaddr *)&address, &address_length), ENOTCONN);

    struct ucred credentials;
    socklen_t credentials_length = sizeof credentials;
    CHECK_EQ("SO_PEERCRED unconnected",
             getsockopt(stream, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length), 0);
    CHECK("SO_PEERCRED unconnected: nobody",
          credentials.pid == 0 && credentials.uid == (uid_t)-1 && credentials.gid == (gid_t)-1);
    close(stream);
    close(dgram);
    close(seqpacket);
}

static void unconnected_errors(void) {
    int stream = socket(AF_UNIX, SOCK_STREAM, 0);
    char byte = 'x';
    CHECK_ERR("read unconnected stream", read(stream, &byte, 1), EINVAL);
    CHECK_ERR("write unconnected stream", send(stream, &byte, 1, MSG_NOSIGNAL), ENOTCONN);
    CHECK_ERR("listen unbound", listen(stream, 1), EINVAL);
    CHECK_ERR("accept not listening", accept(stream, NULL, NULL), EINVAL);
    CHECK_ERR("shutdown: bad how", shutdown(stream, 3), EINVAL);
    CHECK_EQ("shutdown unconnected", shutdown(stream, SHUT_RDWR), 0);
    close(stream);

    int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_ERR("listen datagram", listen(dgram, 1), EOPNOTSUPP);
    CHECK_ERR("accept datagram", accept(dgram, NULL, NULL), EOPNOTSUPP);
    CHECK_ERR("send unconnected datagram", send(dgram, &byte, 1, 0), ENOTCONN);
    close(dgram);

    int seqpacket = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_ERR("send unconnected seqpacket", send(seqpacket, &byte, 1, MSG_NOSIGNAL), ENOTCONN);
    CHECK_ERR("recv unconnected seqpacket", recv(seqpacket, &byte, 1, 0), ENOTCONN);
    close(seqpacket);
}

// ---------------------------------------------------------------------------------------

static void pair_stream(void) {
    int pair[2];
    CHECK_EQ("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    CHECK_EQ("stream: write", write(pair[0], "hello", 5), 5);
    char buffer[64] = {0};
    int queued = -1;
    CHECK_EQ("stream: FIONREAD", ioctl(pair[1], FIONREAD, &queued), 0);
    CHECK_EQ("stream: FIONREAD count", queued, 5);
    CHECK_EQ("stream: MSG_PEEK", recv(pair[1], buffer, sizeof buffer, MSG_PEEK), 5);
    CHECK_EQ("stream: partial read", read(pair[1], buffer, 2), 2);
    CHECK_EQ("stream: rest", read(pair[1], buffer + 2, sizeof buffer - 2), 3);
    CHECK_STR("stream: bytes", buffer, "hello");
    CHECK_EQ("stream: echo back", write(pair[1], buffer, 5), 5);
    CHECK_EQ("stream: echo read", read(pair[0], buffer, sizeof buffer), 5);
    CHECK_ERR("stream: MSG_DONTWAIT empty", recv(pair[1], buffer, 1, MSG_DONTWAIT), EAGAIN);

    // Writes are not message boundaries: two sends come back in one read.
    send(pair[0], "ab", 2, 0);
    send(pair[0], "cd", 2, 0);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("stream: writes merge", recv(pair[1], buffer, sizeof buffer, 0), 4);
    CHECK_STR("stream: merged bytes", buffer, "abcd");

    struct sockaddr_un address;
    socklen_t length = sizeof address;
    CHECK_EQ("socketpair: getpeername", getpeername(pair[0], (struct sockaddr *)&address,
                                                    &length), 0);
    CHECK_EQ("socketpair: peer unnamed", length, FAMILY_LENGTH);
    struct ucred credentials;
    socklen_t credentials_length = sizeof credentials;
    getsockopt(pair[0], SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length);
    CHECK("socketpair: SO_PEERCRED", credentials_length == sizeof credentials &&
                                         credentials.pid == getpid() &&
                                         credentials.uid == getuid() &&
                                         credentials.gid == getgid());
    CHECK_ERR("stream: sendto with address when connected",
              sendto(pair[0], "x", 1, 0, (struct sockaddr *)&address, FAMILY_LENGTH + 2),
              EISCONN);

    // shutdown(SHUT_WR): the peer reads what was sent, then end of file.
    send(pair[0], "last", 4, 0);
    CHECK_EQ("stream: shutdown SHUT_WR", shutdown(pair[0], SHUT_WR), 0);
    CHECK_EQ("stream: peer sees POLLIN|POLLRDHUP|POLLOUT",
             poll_one(pair[1], POLLIN | POLLOUT | POLLRDHUP), POLLIN | POLLOUT | POLLRDHUP);
    CHECK_EQ("stream: shut side sees POLLOUT", poll_one(pair[0], POLLIN | POLLOUT | POLLRDHUP),
             POLLOUT);
    CHECK_EQ("stream: data before EOF", read(pair[1], buffer, sizeof buffer), 4);
    CHECK_EQ("stream: EOF after SHUT_WR", read(pair[1], buffer, sizeof buffer), 0);
    CHECK_ERR("stream: write after own SHUT_WR", send(pair[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ("stream: other direction still works", write(pair[1], "up", 2), 2);
    CHECK_EQ("stream: read on half-closed side", read(pair[0], buffer, sizeof buffer), 2);
    CHECK_EQ("stream: shutdown SHUT_RD", shutdown(pair[0], SHUT_RD), 0);
    CHECK_EQ("stream: both directions shut: POLLHUP",
             poll_one(pair[0], POLLIN | POLLOUT | POLLRDHUP),
             POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
    CHECK_ERR("stream: peer write after SHUT_RD", send(pair[1], "x", 1, MSG_NOSIGNAL), EPIPE);
    close(pair[0]);
    close(pair[1]);

    // Closing one end: end of file and EPIPE for the other.
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    write(pair[0], "bye", 3);
    close(pair[0]);
    CHECK_EQ("stream: peer closed: POLLIN|POLLOUT|POLLHUP|POLLRDHUP",
             poll_one(pair[1], POLLIN | POLLOUT | POLLRDHUP),
             POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
    CHECK_EQ("stream: data left after close", read(pair[1], buffer, sizeof buffer), 3);
    CHECK_EQ("stream: EOF after close", read(pair[1], buffer, sizeof buffer), 0);
    CHECK_ERR("stream: EPIPE with MSG_NOSIGNAL", send(pair[1], "x", 1, MSG_NOSIGNAL), EPIPE);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR("stream: EPIPE with SIGPIPE ignored", write(pair[1], "x", 1), EPIPE);
    signal(SIGPIPE, on_sigpipe);
    sigpipes = 0;
    CHECK_ERR("stream: EPIPE with a SIGPIPE handler", write(pair[1], "x", 1), EPIPE);
    CHECK_EQ("stream: SIGPIPE delivered", sigpipes, 1);
    CHECK_ERR("stream: no SIGPIPE with MSG_NOSIGNAL", send(pair[1], "x", 1, MSG_NOSIGNAL),
              EPIPE);
    CHECK_EQ("stream: SIGPIPE not delivered", sigpipes, 1);
    signal(SIGPIPE, SIG_IGN);
    close(pair[1]);

    // Closing with unread data resets the connection: ECONNRESET once, then EOF.
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    write(pair[0], "unread", 6);
    close(pair[1]);
    CHECK_EQ("stream: reset: POLLERR", poll_one(pair[0], POLLIN) & POLLERR, POLLERR);
    CHECK_ERR("stream: reset: ECONNRESET", read(pair[0], buffer, sizeof buffer), ECONNRESET);
    CHECK_EQ("stream: reset: then EOF", read(pair[0], buffer, sizeof buffer), 0);
    close(pair[0]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    write(pair[1], "unread", 6);
    close(pair[0]);
    CHECK_EQ("stream: reset: SO_ERROR", int_option(pair[1], SO_ERROR), ECONNRESET);
    CHECK_EQ("stream: reset: SO_ERROR read once", int_option(pair[1], SO_ERROR), 0);
    close(pair[1]);
}

struct transfer {
    int fd;
    size_t size;
    long result;
};

static void *send_pattern(void *argument) {
    struct transfer *transfer = argument;
    static unsigned char chunk[10000];
    size_t sent = 0;
    while (sent < transfer->size) {
        size_t count = transfer->size - sent < sizeof chunk ? transfer->size - sent : sizeof chunk;
        for (size_t i = 0; i < count; i++) {
            chunk[i] = (unsigned char)((sent + i) * 7);
        }
        ssize_t written = write(transfer->fd, chunk, count);
        if (written <= 0) {
            break;
        }
        sent += written;
    }
    transfer->result = sent;
    return NULL;
}

static void *send_slowly(void *argument) {
    int fd = *(int *)argument;
    for (int i = 0; i < 3; i++) {
        sleep_ms(20);
        write(fd, "abc", 3);
    }
    return NULL;
}

static void stream_blocking(void) {
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);

    // A megabyte through a buffer of about 200 KiB: the writer blocks until the reader
    // reads.
    struct transfer transfer = {.fd = pair[0], .size = 1 << 20};
    pthread_t writer;
    pthread_create(&writer, NULL, send_pattern, &transfer);
    static unsigned char buffer[65536];
    size_t received = 0;
    int intact = 1;
    while (received < transfer.size) {
        ssize_t count = read(pair[1], buffer, sizeof buffer);
        if (count <= 0) {
            break;
        }
        for (ssize_t i = 0; i < count; i++) {
            intact &= buffer[i] == (unsigned char)((received + i) * 7);
        }
        received += count;
    }
    pthread_join(writer, NULL);
    CHECK_EQ("stream: 1 MiB sent", transfer.result, 1 << 20);
    CHECK_EQ("stream: 1 MiB received", received, 1 << 20);
    CHECK("stream: bytes intact and in order", intact);

    // MSG_WAITALL waits for the whole request.
    pthread_create(&writer, NULL, send_slowly, &pair[0]);
    CHECK_EQ("stream: MSG_WAITALL", recv(pair[1], buffer, 9, MSG_WAITALL), 9);
    pthread_join(writer, NULL);

    // Filling the buffer without blocking: EAGAIN, no POLLOUT; room again once drained.
    fcntl(pair[0], F_SETFL, O_NONBLOCK);
    long filled = 0;
    ssize_t count;
    while ((count = write(pair[0], buffer, sizeof buffer)) > 0) {
        filled += count;
    }
    CHECK_ERR("stream: full buffer: EAGAIN", write(pair[0], buffer, 1), EAGAIN);
    CHECK("stream: buffer between 100 and 256 KiB", filled > 100000 && filled <= 262144);
    CHECK_EQ("stream: full buffer: no POLLOUT", poll_one(pair[0], POLLOUT), 0);
    int sndbuf = int_option(pair[0], SO_SNDBUF);
    CHECK("stream: SO_SNDBUF", sndbuf > 100000);
    long drained = 0;
    while ((count = recv(pair[1], buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
        drained += count;
    }
    CHECK_EQ("stream: drained all", drained, filled);
    CHECK_EQ("stream: drained: POLLOUT", poll_one(pair[0], POLLOUT), POLLOUT);

    // SO_SNDTIMEO and SO_RCVTIMEO end blocking calls with EAGAIN.
    fcntl(pair[0], F_SETFL, 0);
    struct timeval timeout = {.tv_sec = 0, .tv_usec = 100000};
    CHECK_EQ("SO_RCVTIMEO set", setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &timeout,
                                           sizeof timeout), 0);
    struct timeval read_back;
    socklen_t length = sizeof read_back;
    getsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &read_back, &length);
    CHECK("SO_RCVTIMEO read back", length == sizeof read_back && read_back.tv_sec == 0 &&
                                       read_back.tv_usec == 100000);
    long started = now_ms();
    CHECK_ERR("SO_RCVTIMEO: EAGAIN", read(pair[1], buffer, 1), EAGAIN);
    long waited = now_ms() - started;
    CHECK("SO_RCVTIMEO: waited about 100 ms", waited >= 90 && waited < 2000);
    setsockopt(pair[0], SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    filled = 0;
    started = now_ms();
    while ((count = write(pair[0], buffer, sizeof buffer)) > 0) {
        filled += count;
    }
    CHECK_EQ("SO_SNDTIMEO: EAGAIN when full", count == -1 ? errno : 0, EAGAIN);
    waited = now_ms() - started;
    CHECK("SO_SNDTIMEO: waited about 100 ms", waited >= 90 && waited < 2000);
    close(pair[0]);
    close(pair[1]);
}

// ---------------------------------------------------------------------------------------

struct server {
    int listener;
    int accepted_length;
    char request[32];
    long eof;
    int peer_length;
    char name[108];
};

static void *serve_one(void *argument) {
    struct server *server = argument;
    struct sockaddr_un peer;
    socklen_t length = sizeof peer;
    int connection = accept(server->listener, (struct sockaddr *)&peer, &length);
    if (connection < 0) {
        server->accepted_length = -errno;
        return NULL;
    }
    server->accepted_length = length;
    ssize_t count = read(connection, server->request, sizeof server->request - 1);
    if (count > 0) {
        write(connection, "pong", 4);
    }
    struct sockaddr_un name;
    length = sizeof name;
    getsockname(connection, (struct sockaddr *)&name, &length);
    memcpy(server->name, name.sun_path, sizeof name.sun_path);
    length = sizeof peer;
    getpeername(connection, (struct sockaddr *)&peer, &length);
    server->peer_length = length;
    char byte;
    server->eof = read(connection, &byte, 1);
    close(connection);
    return NULL;
}

static void named_stream(void) {
    const char *path = path_of("server.sock");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ("bind path", bind_path(fd, path), 0);
    struct stat status;
    CHECK_EQ("bind: stat", stat(path, &status), 0);
    CHECK("bind: node is S_IFSOCK", S_ISSOCK(status.st_mode));
    CHECK_EQ("bind: mode from the umask", status.st_mode & 0777, 0755);
    CHECK_ERR("bind: open the node", open(path, O_RDWR), ENXIO);
    CHECK_ERR("bind: bound socket again", bind_path(fd, path_of("other.sock")), EINVAL);
    int second = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR("bind: path exists", bind_path(second, path), EADDRINUSE);
    CHECK_ERR("bind: missing directory", bind_path(second, path_of("missing/x.sock")), ENOENT);
    CHECK_ERR("bind: existing file", bind_path(second, "/proc/self/exe"), EADDRINUSE);
    CHECK_ERR("connect: bound, not listening", connect_path(second, path), ECONNREFUSED);
    CHECK_EQ("listen", listen(fd, 5), 0);
    CHECK_EQ("listen again", listen(fd, 8), 0);
    CHECK_EQ("SO_ACCEPTCONN listening", int_option(fd, SO_ACCEPTCONN), 1);
    CHECK_EQ("listener: not writable, nothing to read", poll_one(fd, POLLIN | POLLOUT), 0);
    struct ucred credentials;
    socklen_t credentials_length = sizeof credentials;
    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length);
    CHECK("listener: SO_PEERCRED is its own", credentials.pid == getpid());

    struct server server = {.listener = fd};
    pthread_t thread;
    pthread_create(&thread, NULL, serve_one, &server);
    sleep_ms(20);
    CHECK_EQ("connect path", connect_path(second, path), 0);
    CHECK_ERR("connect: listening socket", connect_path(fd, path), EINVAL);
    CHECK_ERR("connect: connected socket", connect_path(second, path), EISCONN);
    CHECK_EQ("client: write", write(second, "ping", 4), 4);
    char reply[8] = {0};
    CHECK_EQ("client: read reply", read(second, reply, sizeof reply - 1), 4);
    CHECK_STR("client: reply", reply, "pong");
    struct sockaddr_un peer;
    socklen_t length = sizeof peer;
    CHECK_EQ("client: getpeername", getpeername(second, (struct sockaddr *)&peer, &length), 0);
    CHECK_EQ("client: peer length", length, FAMILY_LENGTH + strlen(path) + 1);
    CHECK_STR("client: peer path", peer.sun_path, path);
    credentials_length = sizeof credentials;
    getsockopt(second, SOL_SOCKET, SO_PEERCRED, &credentials, &credentials_length);
    CHECK("client: SO_PEERCRED", credentials.pid == getpid() && credentials.uid == getuid());
    close(second);
    pthread_join(thread, NULL);
    CHECK_EQ("server: accept gave an unnamed peer", server.accepted_length, FAMILY_LENGTH);
    CHECK_STR("server: request", server.request, "ping");
    CHECK_STR("server: accepted socket has the listener's name", server.name, path);
    CHECK_EQ("server: getpeername unnamed", server.peer_length, FAMILY_LENGTH);
    CHECK_EQ("server: EOF when the client closes", server.eof, 0);

    // A bound client: accept reports its name.
    const char *client_path = path_of("client.sock");
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    bind_path(client, client_path);
    connect_path(client, path);
    length = sizeof peer;
    memset(&peer, 0, sizeof peer);
    int connection = accept(fd, (struct sockaddr *)&peer, &length);
    CHECK("accept: bound client", connection >= 0);
    CHECK_EQ("accept: client name length", length, FAMILY_LENGTH + strlen(client_path) + 1);
    CHECK_STR("accept: client name", peer.sun_path, client_path);
    close(connection);
    close(client);

    // A closed listener leaves its file behind: ECONNREFUSED; unlink then ENOENT.
    close(fd);
    int third = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR("connect: listener closed", connect_path(third, path), ECONNREFUSED);
    CHECK_EQ("unlink the name", unlink(path), 0);
    CHECK_ERR("connect: name unlinked", connect_path(third, path), ENOENT);
    CHECK_ERR("connect: a regular file", connect_path(third, "/proc/self/exe"), ECONNREFUSED);
    CHECK_ERR("connect: a directory", connect_path(third, "/tmp"), ECONNREFUSED);
    CHECK_ERR("connect: family only", connect(third, (struct sockaddr *)&peer, FAMILY_LENGTH),
              EINVAL);
    struct sockaddr_un wrong;
    socklen_t wrong_length = path_address(&wrong, path);
    wrong.sun_family = AF_INET;
    CHECK_ERR("connect: wrong family", connect(third, (struct sockaddr *)&wrong, wrong_length),
              EINVAL);
    int dgram = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind_path(dgram, path_of("dgram.sock"));
    CHECK_ERR("connect: stream to a datagram socket", connect_path(third, path_of("dgram.sock")),
              EPROTOTYPE);
    close(dgram);
    close(third);
    unlink(client_path);
    unlink(path_of("dgram.sock"));
}

static void abstract_names(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ("abstract: bind", bind_abstract(fd, "pith-abstract"), 0);
    struct sockaddr_un address;
    socklen_t length = sizeof address;
    getsockname(fd, (struct sockaddr *)&address, &length);
    CHECK_EQ("abstract: getsockname length", length, FAMILY_LENGTH + 1 + 13);
    CHECK("abstract: getsockname name",
          address.sun_path[0] == 0 && memcmp(address.sun_path + 1, "pith-abstract", 13) == 0);
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR("abstract: name taken", bind_abstract(other, "pith-abstract"), EADDRINUSE);
    CHECK_ERR("abstract: not listening", connect_abstract(other, "pith-abstract"),
              ECONNREFUSED);
    CHECK_ERR("abstract: missing", connect_abstract(other, "pith-nobody"), ECONNREFUSED);
    listen(fd, 1);
    CHECK_EQ("abstract: connect", connect_abstract(other, "pith-abstract"), 0);
    int connection = accept(fd, NULL, NULL);
    CHECK("abstract: accept", connection >= 0);
    CHECK_EQ("abstract: send", send(other, "abs", 3, 0), 3);
    char buffer[8] = {0};
    CHECK_EQ("abstract: receive", recv(connection, buffer, sizeof buffer, 0), 3);
    close(connection);
    close(other);
    close(fd);
    struct stat status;
    CHECK_ERR("abstract: no file", stat("pith-abstract", &status), ENOENT);

    // The name is free again once its socket is closed.
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ("abstract: name released on close", bind_abstract(fd, "pith-abstract"), 0);
    close(fd);

    // Autobind: binding just the family picks a name of five hex digits.
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    address.sun_family = AF_UNIX;
    CHECK_EQ("autobind", bind(fd, (struct sockaddr *)&address, FAMILY_LENGTH), 0);
    length = sizeof address;
    memset(&address, 0, sizeof address);
    getsockname(fd, (struct sockaddr *)&address, &length);
    CHECK_EQ("autobind: length", length, FAMILY_LENGTH + 6);
    int hex = address.sun_path[0] == 0;
    for (int i = 1; i < 6; i++) {
        hex &= strchr("0123456789abcdef", address.sun_path[i]) != NULL && address.sun_path[i];
    }
    CHECK("autobind: NUL and five hex digits", hex);
    close(fd);
}

struct pending {
    int fd;
    const char *path;
    long result;
};

static void *connect_blocking(void *argument) {
    struct pending *pending = argument;
    pending->result = connect_path(pending->fd, pending->path);
    return NULL;
}

static void backlog(void) {
    const char *path = path_of("backlog.sock");
    int fd = listener(SOCK_STREAM, path, 1);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    CHECK_ERR("accept: nonblocking, none pending", accept(fd, NULL, NULL), EAGAIN);
    fcntl(fd, F_SETFL, 0);

    int epfd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN | EPOLLET, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
    struct epoll_event events[2];
    CHECK_EQ("listener: epoll nothing pending", epoll_wait(epfd, events, 2, 0), 0);

    // A backlog of 1 holds two connections, as on Linux; a third waits or fails.
    int clients[4];
    for (int i = 0; i < 4; i++) {
        clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    }
    CHECK_EQ("backlog: first connection", connect_path(clients[0], path), 0);
    CHECK_EQ("listener: POLLIN when pending", poll_one(fd, POLLIN | POLLOUT), POLLIN);
    CHECK_EQ("listener: epoll ET pending", epoll_wait(epfd, events, 2, 0), 1);
    CHECK_EQ("listener: epoll ET no repeat", epoll_wait(epfd, events, 2, 0), 0);
    CHECK_EQ("backlog: second connection", connect_path(clients[1], path), 0);
    CHECK_EQ("listener: epoll ET second arrival", epoll_wait(epfd, events, 2, 0), 1);
    CHECK_ERR("backlog: full, nonblocking", connect_path(clients[2], path), EAGAIN);

    // A blocking connect waits until accept makes room.
    fcntl(clients[3], F_SETFL, 0);
    struct pending pending = {.fd = clients[3], .path = path, .result = -2};
    pthread_t thread;
    pthread_create(&thread, NULL, connect_blocking, &pending);
    sleep_ms(50);
    CHECK_EQ("backlog: blocking connect waits", pending.result, -2);
    int accepted = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK("accept4", accepted >= 0);
    CHECK_EQ("accept4: SOCK_NONBLOCK", fcntl(accepted, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    CHECK_EQ("accept4: SOCK_CLOEXEC", fcntl(accepted, F_GETFD), FD_CLOEXEC);
    pthread_join(thread, NULL);
    CHECK_EQ("backlog: blocking connect done after accept", pending.result, 0);
    CHECK_ERR("accept4: bad flags", accept4(fd, NULL, NULL, 1), EINVAL);

    // The first client wrote before its connection was accepted.
    send(clients[0], "early", 5, 0);
    char buffer[8] = {0};
    CHECK_EQ("accepted: data sent before accept", recv(accepted, buffer, sizeof buffer, 0), 5);
    close(accepted);
    for (int i = 0; i < 2; i++) {
        close(accept(fd, NULL, NULL));
    }

    // Closing a listener with a connection still queued resets that connection.
    int orphan = socket(AF_UNIX, SOCK_STREAM, 0);
    connect_path(orphan, path);
    close(fd);
    CHECK_ERR("listener closed with a queued connection: ECONNRESET",
              recv(orphan, buffer, sizeof buffer, 0), ECONNRESET);
    CHECK_ERR("listener closed with a queued connection: EPIPE",
              send(orphan, "x", 1, MSG_NOSIGNAL), EPIPE);
    close(orphan);
    for (int i = 0; i < 4; i++) {
        close(clients[i]);
    }
    close(epfd);
    unlink(path);
}

// ---------------------------------------------------------------------------------------

// Receives one datagram after 50 ms.
static void *receive_later(void *argument) {
    char byte;
    sleep_ms(50);
    recv(*(int *)argument, &byte, 1, 0);
    return NULL;
}

static void datagrams(void) {
    const char *server_path = path_of("dgram-server.sock");
    const char *client_path = path_of("dgram-client.sock");
    int server = socket(AF_UNIX, SOCK_DGRAM, 0);
    int client = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ("dgram: bind server", bind_path(server, server_path), 0);
    CHECK_EQ("dgram: bind client", bind_path(client, client_path), 0);

    struct sockaddr_un to, from;
    socklen_t to_length = path_address(&to, server_path);
    CHECK_EQ("dgram: sendto", sendto(client, "one", 3, 0, (struct sockaddr *)&to, to_length), 3);
    CHECK_EQ("dgram: sendto again", sendto(client, "second", 6, 0, (struct sockaddr *)&to,
                                           to_length), 6);
    int queued = -1;
    ioctl(server, FIONREAD, &queued);
    CHECK_EQ("dgram: FIONREAD is the next message", queued, 3);
    char buffer[64] = {0};
    socklen_t from_length = sizeof from;
    CHECK_EQ("dgram: recvfrom", recvfrom(server, buffer, sizeof buffer, 0,
                                         (struct sockaddr *)&from, &from_length), 3);
    CHECK_EQ("dgram: sender length", from_length, FAMILY_LENGTH + strlen(client_path) + 1);
    CHECK_STR("dgram: sender path", from.sun_path, client_path);

    // A datagram that does not fit is cut, and the rest is dropped.
    struct iovec vector = {.iov_base = buffer, .iov_len = 2};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    CHECK_EQ("dgram: truncated", recvmsg(server, &message, 0), 2);
    CHECK_EQ("dgram: MSG_TRUNC in msg_flags", message.msg_flags & MSG_TRUNC, MSG_TRUNC);
    CHECK_ERR("dgram: rest dropped", recv(server, buffer, sizeof buffer, MSG_DONTWAIT), EAGAIN);
    sendto(client, "sized", 5, 0, (struct sockaddr *)&to, to_length);
    CHECK_EQ("dgram: MSG_TRUNC gives the real length", recv(server, buffer, 1, MSG_TRUNC), 5);
    CHECK_EQ("dgram: zero-length datagram", sendto(client, "", 0, 0, (struct sockaddr *)&to,
                                                   to_length), 0);
    CHECK_EQ("dgram: receive zero-length", recv(server, buffer, sizeof buffer, 0), 0);

    // An unnamed sender: recvfrom reports an empty address (accept and getpeername report
    // the family alone).
    int unnamed = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(unnamed, "anon", 4, 0, (struct sockaddr *)&to, to_length);
    from_length = sizeof from;
    memset(&from, 0x55, sizeof from);
    CHECK_EQ("dgram: from an unnamed socket", recvfrom(server, buffer, sizeof buffer, 0,
                                                       (struct sockaddr *)&from, &from_length),
             4);
    CHECK_EQ("dgram: unnamed sender length", from_length, 0);

    // Errors for missing and wrong destinations.
    struct sockaddr_un missing;
    socklen_t missing_length = path_address(&missing, path_of("nobody.sock"));
    CHECK_ERR("dgram: sendto missing path",
              sendto(unnamed, "x", 1, 0, (struct sockaddr *)&missing, missing_length), ENOENT);
    missing_length = path_address(&missing, "/proc/self/exe");
    CHECK_ERR("dgram: sendto a regular file",
              sendto(unnamed, "x", 1, 0, (struct sockaddr *)&missing, missing_length),
              ECONNREFUSED);
    missing_length = abstract_address(&missing, "pith-nobody");
    CHECK_ERR("dgram: sendto missing abstract name",
              sendto(unnamed, "x", 1, 0, (struct sockaddr *)&missing, missing_length),
              ECONNREFUSED);
    static char big[300000];
    CHECK_ERR("dgram: EMSGSIZE", sendto(unnamed, big, sizeof big, 0, (struct sockaddr *)&to,
                                        to_length), EMSGSIZE);
    const char *stream_path = path_of("dgram-stream.sock");
    int stream = listener(SOCK_STREAM, stream_path, 1);
    missing_length = path_address(&missing, stream_path);
    CHECK_ERR("dgram: sendto a stream socket",
              sendto(unnamed, "x", 1, 0, (struct sockaddr *)&missing, missing_length),
              EPROTOTYPE);
    close(stream);
    unlink(stream_path);

    // connect sets the default destination and filters what is received.
    CHECK_EQ("dgram: connect", connect_path(unnamed, server_path), 0);
    CHECK_EQ("dgram: send connected", send(unnamed, "conn", 4, 0), 4);
    CHECK_EQ("dgram: write connected", write(unnamed, "more", 4), 4);
    CHECK_EQ("dgram: recv", recv(server, buffer, sizeof buffer, 0), 4);
    CHECK_EQ("dgram: read", read(server, buffer, sizeof buffer), 4);
    socklen_t length = sizeof from;
    CHECK_EQ("dgram: getpeername", getpeername(unnamed, (struct sockaddr *)&from, &length), 0);
    CHECK_STR("dgram: peer path", from.sun_path, server_path);
    CHECK_EQ("dgram: connect to the client", connect_path(server, client_path), 0);
    CHECK_ERR("dgram: target connected elsewhere",
              sendto(unnamed, "x", 1, 0, (struct sockaddr *)&to, to_length), EPERM);
    struct sockaddr unspecified = {.sa_family = AF_UNSPEC};
    CHECK_EQ("dgram: connect AF_UNSPEC", connect(server, &unspecified, sizeof unspecified), 0);
    length = sizeof from;
    CHECK_ERR("dgram: dissolved", getpeername(server, (struct sockaddr *)&from, &length),
              ENOTCONN);

    // A receiver's queue holds a limited number of datagrams from others.
    fcntl(unnamed, F_SETFL, O_NONBLOCK);
    int sent = 0;
    while (send(unnamed, "q", 1, 0) == 1 && sent < 1000) {
        sent++;
    }
    CHECK_EQ("dgram: full queue: EAGAIN", errno, EAGAIN);
    CHECK_EQ("dgram: queue limit", sent, 11);
    CHECK_EQ("dgram: full queue: no POLLOUT", poll_one(unnamed, POLLOUT), 0);
    recv(server, buffer, sizeof buffer, 0);
    CHECK_EQ("dgram: room again: POLLOUT", poll_one(unnamed, POLLOUT), POLLOUT);
    CHECK_EQ("dgram: room again: send", send(unnamed, "q", 1, 0), 1);

    // A blocking send to a full queue waits for room, or until SO_SNDTIMEO.
    fcntl(unnamed, F_SETFL, 0);
    struct timeval timeout = {.tv_sec = 0, .tv_usec = 100000};
    setsockopt(unnamed, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    long started = now_ms();
    CHECK_ERR("dgram: full queue: SO_SNDTIMEO", send(unnamed, "q", 1, 0), EAGAIN);
    CHECK("dgram: full queue: waited for the timeout", now_ms() - started >= 90);
    timeout.tv_usec = 0;
    setsockopt(unnamed, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    pthread_t reader;
    pthread_create(&reader, NULL, receive_later, &server);
    CHECK_EQ("dgram: full queue: blocking send waits for room", send(unnamed, "w", 1, 0), 1);
    pthread_join(reader, NULL);

    // The connected peer closes: ECONNREFUSED, then the socket is unconnected.
    close(server);
    CHECK_ERR("dgram: peer closed", send(unnamed, "x", 1, 0), ECONNREFUSED);
    CHECK_ERR("dgram: peer closed, then unconnected", send(unnamed, "x", 1, 0), ENOTCONN);
    CHECK_ERR("dgram: sendto a closed socket's path",
              sendto(client, "x", 1, 0, (struct sockaddr *)&to, to_length), ECONNREFUSED);
    close(unnamed);
    close(client);
    unlink(server_path);
    unlink(client_path);

    // Abstract datagram sockets and socketpair.
    int named = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind_abstract(named, "pith-dgram");
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    socklen_t abstract_length = abstract_address(&to, "pith-dgram");
    CHECK_EQ("dgram: sendto abstract", sendto(sender, "abs", 3, 0, (struct sockaddr *)&to,
                                              abstract_length), 3);
    CHECK_EQ("dgram: recv abstract", recv(named, buffer, sizeof buffer, 0), 3);
    close(named);
    close(sender);

    int pair[2];
    CHECK_EQ("socketpair datagram", socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
    send(pair[0], "a", 1, 0);
    send(pair[0], "bc", 2, 0);
    CHECK_EQ("socketpair datagram: first", recv(pair[1], buffer, sizeof buffer, 0), 1);
    CHECK_EQ("socketpair datagram: second", recv(pair[1], buffer, sizeof buffer, 0), 2);
    CHECK_EQ("socketpair datagram: POLLOUT only", poll_one(pair[1], POLLIN | POLLOUT), POLLOUT);

    // Shutdown stays on its side: the peer's sends fail, its reads do not end.
    signal(SIGPIPE, on_sigpipe);
    sigpipes = 0;
    CHECK_EQ("dgram: shutdown SHUT_RD", shutdown(pair[1], SHUT_RD), 0);
    CHECK_ERR("dgram: send to a socket shut for reading", send(pair[0], "x", 1, 0), EPIPE);
    CHECK_EQ("dgram: SHUT_RD: POLLIN|POLLRDHUP|POLLOUT",
             poll_one(pair[1], POLLIN | POLLOUT | POLLRDHUP), POLLIN | POLLOUT | POLLRDHUP);
    CHECK_ERR("dgram: SHUT_RD: nonblocking recv", recv(pair[1], buffer, 1, MSG_DONTWAIT), EAGAIN);
    CHECK_EQ("dgram: SHUT_RD: blocking recv", recv(pair[1], buffer, 1, 0), 0);
    CHECK_EQ("dgram: shutdown SHUT_WR", shutdown(pair[0], SHUT_WR), 0);
    CHECK_ERR("dgram: send after own SHUT_WR", send(pair[0], "x", 1, 0), EPIPE);
    CHECK_EQ("dgram: EPIPE raises no SIGPIPE", sigpipes, 0);
    signal(SIGPIPE, SIG_IGN);
    close(pair[0]);
    close(pair[1]);
}

static void seqpacket(void) {
    int pair[2];
    CHECK_EQ("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
    send(pair[0], "abc", 3, 0);
    send(pair[0], "defgh", 5, 0);
    send(pair[0], "", 0, 0);
    send(pair[0], "truncated", 9, 0);
    char buffer[64];
    CHECK_EQ("seqpacket: first record", recv(pair[1], buffer, sizeof buffer, 0), 3);
    CHECK_EQ("seqpacket: second record", recv(pair[1], buffer, sizeof buffer, 0), 5);
    CHECK_EQ("seqpacket: empty record", recv(pair[1], buffer, sizeof buffer, 0), 0);
    struct iovec vector = {.iov_base = buffer, .iov_len = 4};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    CHECK_EQ("seqpacket: truncated", recvmsg(pair[1], &message, 0), 4);
    CHECK_EQ("seqpacket: MSG_TRUNC", message.msg_flags & MSG_TRUNC, MSG_TRUNC);
    CHECK_ERR("seqpacket: rest dropped", recv(pair[1], buffer, sizeof buffer, MSG_DONTWAIT),
              EAGAIN);
    static char big[300000];
    CHECK_ERR("seqpacket: EMSGSIZE", send(pair[0], big, sizeof big, 0), EMSGSIZE);
    close(pair[0]);
    CHECK_EQ("seqpacket: POLLIN|POLLOUT|POLLRDHUP|POLLHUP after close",
             poll_one(pair[1], POLLIN | POLLOUT | POLLRDHUP),
             POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
    CHECK_EQ("seqpacket: nonblocking EOF after close",
             recv(pair[1], buffer, sizeof buffer, MSG_DONTWAIT), 0);
    CHECK_EQ("seqpacket: EOF after close", recv(pair[1], buffer, sizeof buffer, 0), 0);
    CHECK_ERR("seqpacket: EPIPE after close", send(pair[1], "x", 1, MSG_NOSIGNAL), EPIPE);
    signal(SIGPIPE, on_sigpipe);
    sigpipes = 0;
    CHECK_ERR("seqpacket: EPIPE without MSG_NOSIGNAL", send(pair[1], "x", 1, 0), EPIPE);
    CHECK_EQ("seqpacket: EPIPE raises no SIGPIPE", sigpipes, 0);
    signal(SIGPIPE, SIG_IGN);
    close(pair[1]);

    // A seqpacket listener.
    const char *path = path_of("seqpacket.sock");
    int fd = listener(SOCK_SEQPACKET, path, 4);
    int client = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_EQ("seqpacket: connect", connect_path(client, path), 0);
    int connection = accept(fd, NULL, NULL);
    CHECK("seqpacket: accept", connection >= 0);
    send(client, "rec1", 4, 0);
    send(client, "record2", 7, 0);
    CHECK_EQ("seqpacket: accepted first", recv(connection, buffer, sizeof buffer, 0), 4);
    CHECK_EQ("seqpacket: accepted second", recv(connection, buffer, sizeof buffer, 0), 7);
    CHECK_ERR("seqpacket: recv on listener", recv(fd, buffer, sizeof buffer, 0), ENOTCONN);
    close(connection);
    close(client);
    close(fd);
    unlink(path);
}

// ---------------------------------------------------------------------------------------

// Sends `data` with the descriptors `fds` attached.
static ssize_t send_fds(int socket, const char *data, const int *fds, int count) {
    char control[CMSG_SPACE(sizeof(int) * 4)] = {0};
    struct iovec vector = {.iov_base = (void *)data, .iov_len = strlen(data)};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    if (count > 0) {
        message.msg_control = control;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
    }
    return sendmsg(socket, &message, 0);
}

// Receives up to `size` bytes; returns the count and stores the descriptors received.
static ssize_t receive_fds(int socket, char *data, size_t size, int *fds, int *count,
                           size_t control_size, int *flags) {
    char control[256] = {0};
    struct iovec vector = {.iov_base = data, .iov_len = size};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = control_size};
    ssize_t result = recvmsg(socket, &message, 0);
    *count = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
            int n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + *count, CMSG_DATA(header), n * sizeof(int));
            *count += n;
        }
    }
    *flags = message.msg_flags;
    return result;
}

static void rights(void) {
    int pair[2], pipe_ends[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    pipe(pipe_ends);
    CHECK_EQ("SCM_RIGHTS: send a pipe's read end", send_fds(pair[0], "fd", &pipe_ends[0], 1), 2);
    close(pipe_ends[0]);
    write(pipe_ends[1], "through the pipe", 16);
    char buffer[64] = {0};
    int fds[8], count, flags;
    CHECK_EQ("SCM_RIGHTS: receive", receive_fds(pair[1], buffer, sizeof buffer, fds, &count,
                                                256, &flags), 2);
    CHECK_EQ("SCM_RIGHTS: one descriptor", count, 1);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("SCM_RIGHTS: read through it", count == 1 ? read(fds[0], buffer, sizeof buffer) : -1,
             16);
    CHECK_STR("SCM_RIGHTS: the pipe's bytes", buffer, "through the pipe");
    CHECK_EQ("SCM_RIGHTS: no FD_CLOEXEC", fcntl(fds[0], F_GETFD), 0);
    close(fds[0]);

    // Descriptors come with the bytes they were sent with, not earlier ones.
    send(pair[0], "A", 1, 0);
    send_fds(pair[0], "B", &pipe_ends[1], 1);
    send(pair[0], "C", 1, 0);
    CHECK_EQ("SCM_RIGHTS: plain bytes first", receive_fds(pair[1], buffer, 1, fds, &count, 256,
                                                          &flags), 1);
    CHECK_EQ("SCM_RIGHTS: none with them", count, 0);
    CHECK_EQ("SCM_RIGHTS: a read stops after the bytes with descriptors",
             receive_fds(pair[1], buffer, sizeof buffer, fds, &count, 256, &flags), 1);
    CHECK_EQ("SCM_RIGHTS: with their bytes", count, 1);
    struct stat status;
    fstat(fds[0], &status);
    CHECK("SCM_RIGHTS: a pipe", S_ISFIFO(status.st_mode));
    close(fds[0]);
    CHECK_EQ("SCM_RIGHTS: the bytes after", recv(pair[1], buffer, sizeof buffer, 0), 1);

    // A control buffer too small: MSG_CTRUNC, the descriptors are lost.
    int spare[2];
    pipe(spare);
    send_fds(pair[0], "D", spare, 2);
    close(spare[0]);
    close(spare[1]);
    CHECK_EQ("SCM_RIGHTS: small control buffer",
             receive_fds(pair[1], buffer, sizeof buffer, fds, &count, CMSG_LEN(sizeof(int)),
                         &flags), 1);
    CHECK_EQ("SCM_RIGHTS: MSG_CTRUNC", flags & MSG_CTRUNC, MSG_CTRUNC);
    CHECK_EQ("SCM_RIGHTS: one of two fits", count, 1);
    close(fds[0]);
    int bad = 999;
    CHECK_ERR("SCM_RIGHTS: bad descriptor", send_fds(pair[0], "E", &bad, 1), EBADF);
    close(pair[0]);
    close(pair[1]);

    // Over datagrams, and passing a socket itself.
    socketpair(AF_UNIX, SOCK_DGRAM, 0, pair);
    int inner[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, inner);
    CHECK_EQ("SCM_RIGHTS: datagram", send_fds(pair[0], "sock", &inner[1], 1), 4);
    close(inner[1]);
    CHECK_EQ("SCM_RIGHTS: datagram receive",
             receive_fds(pair[1], buffer, sizeof buffer, fds, &count, 256, &flags), 4);
    CHECK_EQ("SCM_RIGHTS: datagram descriptor", count, 1);
    write(inner[0], "via", 3);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("SCM_RIGHTS: passed socket works", count == 1 ? read(fds[0], buffer, 8) : -1, 3);
    close(fds[0]);
    close(inner[0]);
    close(pipe_ends[1]);
    close(pair[0]);
    close(pair[1]);
}

static void readiness(void) {
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    CHECK_EQ("poll: empty: POLLOUT", poll_one(pair[1], POLLIN | POLLOUT), POLLOUT);
    write(pair[0], "x", 1);
    CHECK_EQ("poll: data: POLLIN|POLLOUT", poll_one(pair[1], POLLIN | POLLOUT),
             POLLIN | POLLOUT);
    int unconnected = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ("poll: unconnected stream: POLLOUT|POLLHUP", poll_one(unconnected, POLLIN | POLLOUT),
             POLLOUT | POLLHUP);
    close(unconnected);

    int epfd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN | EPOLLET, .data.u32 = 7};
    epoll_ctl(epfd, EPOLL_CTL_ADD, pair[1], &event);
    struct epoll_event events[2];
    CHECK_EQ("epoll ET: pending data", epoll_wait(epfd, events, 2, 0), 1);
    CHECK_EQ("epoll ET: reported once", epoll_wait(epfd, events, 2, 0), 0);
    write(pair[0], "y", 1);
    CHECK_EQ("epoll ET: each arrival", epoll_wait(epfd, events, 2, 0), 1);
    CHECK("epoll ET: EPOLLIN and data", events[0].events == EPOLLIN && events[0].data.u32 == 7);

    // A blocked epoll_wait wakes when data arrives from another thread.
    char buffer[8];
    read(pair[1], buffer, sizeof buffer);
    pthread_t writer;
    int fd = pair[0];
    pthread_create(&writer, NULL, send_slowly, &fd);
    long started = now_ms();
    CHECK_EQ("epoll: wakes on data", epoll_wait(epfd, events, 2, 5000), 1);
    CHECK("epoll: woke before the timeout", now_ms() - started < 4000);
    pthread_join(writer, NULL);
    close(epfd);

    shutdown(pair[0], SHUT_RDWR);
    CHECK_EQ("poll: shut both ways: POLLHUP", poll_one(pair[0], POLLIN | POLLOUT) & POLLHUP,
             POLLHUP);
    close(pair[0]);
    close(pair[1]);
}

// ---------------------------------------------------------------------------------------

static void on_usr1(int signal) {
    (void)signal;
}

struct interruption {
    pthread_t target;
    int fd;
};

// Interrupts the target thread after 50 ms, then sends it a byte after 150 ms.
static void *interrupt_then_send(void *argument) {
    struct interruption *interruption = argument;
    sleep_ms(50);
    pthread_kill(interruption->target, SIGUSR1);
    sleep_ms(100);
    write(interruption->fd, "!", 1);
    return NULL;
}

static void interrupted(void) {
    struct sigaction action = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &action, NULL);
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    struct interruption interruption = {.target = pthread_self(), .fd = pair[0]};

    // Without a timeout, SA_RESTART restarts the read, which gets the byte.
    pthread_t thread;
    pthread_create(&thread, NULL, interrupt_then_send, &interruption);
    char byte = 0;
    CHECK_EQ("SA_RESTART: read restarted", read(pair[1], &byte, 1), 1);
    pthread_join(thread, NULL);

    // With SO_RCVTIMEO, a handled signal ends the read with EINTR (signal(7)).
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(pair[1], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    pthread_create(&thread, NULL, interrupt_then_send, &interruption);
    CHECK_ERR("SO_RCVTIMEO: EINTR despite SA_RESTART", read(pair[1], &byte, 1), EINTR);
    pthread_join(thread, NULL);
    close(pair[0]);
    close(pair[1]);
}

// Many clients at once: each thread connects, sends its number and reads it back from an
// epoll-driven echo server.
#define CLIENTS 16

static void *client(void *argument) {
    long number = (long)argument;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect_path(fd, path_of("echo.sock")) != 0) {
        close(fd);
        return (void *)-1L;
    }
    char message[32], reply[32] = {0};
    int length = snprintf(message, sizeof message, "client %ld", number);
    write(fd, message, length);
    ssize_t count = recv(fd, reply, length, MSG_WAITALL);
    close(fd);
    return (void *)(long)(count == length && memcmp(message, reply, length) == 0);
}

static void many_clients(void) {
    int fd = listener(SOCK_STREAM, path_of("echo.sock"), 4);
    int epfd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
    pthread_t threads[CLIENTS];
    for (long i = 0; i < CLIENTS; i++) {
        pthread_create(&threads[i], NULL, client, (void *)i);
    }
    int accepted = 0, closed = 0;
    long deadline = now_ms() + 20000;
    while (closed < CLIENTS && now_ms() < deadline) {
        struct epoll_event events[8];
        int ready = epoll_wait(epfd, events, 8, 1000);
        for (int i = 0; i < ready; i++) {
            if (events[i].data.fd == fd) {
                int connection = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
                struct epoll_event data = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = connection};
                epoll_ctl(epfd, EPOLL_CTL_ADD, connection, &data);
                accepted++;
                continue;
            }
            char buffer[64];
            ssize_t count = read(events[i].data.fd, buffer, sizeof buffer);
            if (count > 0) {
                write(events[i].data.fd, buffer, count);
            } else if (count == 0) {
                close(events[i].data.fd);
                closed++;
            }
        }
    }
    int echoed = 0;
    for (int i = 0; i < CLIENTS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        echoed += result == (void *)1L;
    }
    CHECK_EQ("many clients: accepted", accepted, CLIENTS);
    CHECK_EQ("many clients: echoed", echoed, CLIENTS);
    CHECK_EQ("many clients: closed", closed, CLIENTS);
    close(epfd);
    close(fd);
    unlink(path_of("echo.sock"));
}

// Filling many buffers at once: on Linux each fills to its own limit (EAGAIN); in Pith all
// queues share half the kernel heap, and past it sends fail with ENOBUFS. Either way the
// memory comes back when the sockets close.
#define FILLED_PAIRS 40

static void memory_pressure(void) {
    static char chunk[65536];
    int pairs[FILLED_PAIRS][2], stopped_well = 0;
    for (int i = 0; i < FILLED_PAIRS; i++) {
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pairs[i]);
        while (write(pairs[i][0], chunk, sizeof chunk) > 0) {
        }
        stopped_well += errno == EAGAIN || errno == ENOBUFS;
    }
    CHECK_EQ("full buffers: each stops with EAGAIN or ENOBUFS", stopped_well, FILLED_PAIRS);
    for (int i = 0; i < FILLED_PAIRS; i++) {
        close(pairs[i][0]);
        close(pairs[i][1]);
    }
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    CHECK_EQ("full buffers closed: a new socket can fill again",
             write(pair[0], chunk, sizeof chunk), sizeof chunk);
    close(pair[0]);
    close(pair[1]);
}

int main(void) {
    snprintf(directory, sizeof directory, "/tmp/pith-unix-%d", getpid());
    mkdir(directory, 0755);
    umask(022);
    signal(SIGPIPE, SIG_IGN);

    creation();
    unconnected_errors();
    pair_stream();
    stream_blocking();
    named_stream();
    abstract_names();
    backlog();
    datagrams();
    seqpacket();
    rights();
    readiness();
    interrupted();
    many_clients();
    memory_pressure();

    rmdir(directory);
    return summary("unix_sockets");
}
