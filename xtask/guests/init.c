// /init of the Linux baseline VM: what a minimal Linux VM needs around the program, and
// nothing more. It notes how long after kernel start it began, runs the program named
// in /bench/argv (one argument a line), optionally checks that it answers a TCP request
// (/bench/probe: port, request, expected reply, one a line), prints what it measured and
// powers the VM off. Lines it prints:
//   init_boottime_us=N   CLOCK_BOOTTIME when /init started: time since the kernel started
//                        its clock, early in start_kernel (see clock_gettime(2))
//   probe=ok | probe=fail REASON
//   exit=N | signal=N    how the program ended
// See reboot(2) for the power-off, netdevice(7) for bringing up the loopback interface.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32
#define PROBE_SECONDS 60

static char *read_file(const char *path) {
    static char contents[2][4096];
    static int which;
    char *buffer = contents[which++ % 2];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return NULL;
    }
    ssize_t length = read(fd, buffer, sizeof contents[0] - 1);
    close(fd);
    if (length < 0) {
        return NULL;
    }
    buffer[length] = '\0';
    return buffer;
}

// Splits `text` at newlines into at most `max - 1` words, NULL-terminated.
static int split_lines(char *text, char **words, int max) {
    int count = 0;
    for (char *line = strtok(text, "\n"); line && count < max - 1; line = strtok(NULL, "\n")) {
        words[count++] = line;
    }
    words[count] = NULL;
    return count;
}

// Turns escaped "\r" and "\n" in a probe line into the characters.
static void unescape(char *text) {
    char *out = text;
    for (char *in = text; *in; in++) {
        if (in[0] == '\\' && (in[1] == 'r' || in[1] == 'n')) {
            *out++ = in[1] == 'r' ? '\r' : '\n';
            in++;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

static void loopback_up(void) {
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq request = {0};
    strcpy(request.ifr_name, "lo");
    if (sock >= 0 && ioctl(sock, SIOCGIFFLAGS, &request) == 0) {
        request.ifr_flags |= IFF_UP;
        ioctl(sock, SIOCSIFFLAGS, &request);
    }
    if (sock >= 0) {
        close(sock);
    }
}

// Connects to 127.0.0.1:port until the server listens, sends `request` and checks that
// the reply contains `expect`.
static void probe(int port, const char *request, const char *expect) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int attempt = 0; attempt < PROBE_SECONDS * 20; attempt++) {
        int sock = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(sock, (struct sockaddr *)&address, sizeof address) != 0) {
            close(sock);
            usleep(50000);
            continue;
        }
        char reply[512] = {0};
        ssize_t got = -1;
        if (write(sock, request, strlen(request)) == (ssize_t)strlen(request)) {
            got = read(sock, reply, sizeof reply - 1);
        }
        close(sock);
        if (got > 0 && strstr(reply, expect)) {
            printf("probe=ok\n");
        } else {
            printf("probe=fail unexpected reply\n");
        }
        return;
    }
    printf("probe=fail nothing listens on port %d\n", port);
}

int main(void) {
    struct timespec started;
    clock_gettime(CLOCK_BOOTTIME, &started);
    setenv("LD_LIBRARY_PATH", "/lib/x86_64-linux-gnu", 1);
    mkdir("/tmp", 01777);

    char *argv[MAX_ARGS];
    char *probe_lines[4];
    char *argv_text = read_file("/bench/argv");
    char *probe_text = read_file("/bench/probe");
    int probing = probe_text && split_lines(probe_text, probe_lines, 4) == 3;
    if (!argv_text || split_lines(argv_text, argv, MAX_ARGS) == 0) {
        printf("init: /bench/argv is missing or empty\n");
        reboot(RB_POWER_OFF);
    }

    pid_t child = fork();
    if (child == 0) {
        execv(argv[0], argv);
        printf("init: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }

    int status = 0;
    if (probing) {
        loopback_up();
        unescape(probe_lines[1]);
        probe(atoi(probe_lines[0]), probe_lines[1], probe_lines[2]);
        kill(child, SIGKILL);
    }
    waitpid(child, &status, 0);

    printf("init_boottime_us=%lld\n", started.tv_sec * 1000000LL + started.tv_nsec / 1000);
    if (WIFEXITED(status)) {
        printf("exit=%d\n", WEXITSTATUS(status));
    } else {
        printf("signal=%d\n", WTERMSIG(status));
    }
    fflush(stdout);
    reboot(RB_POWER_OFF);
    return 0;
}
