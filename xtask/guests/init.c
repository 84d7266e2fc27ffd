// /init of the Linux baseline VM: what a minimal Linux VM needs around the program, and
// nothing more. It notes how long after kernel start it began, brings up the loopback
// interface, loads the kernel modules listed in /bench/modules (one path a line, in
// order), configures eth0 when the kernel command line gives an address, runs the
// program named in /bench/argv (one argument a line), prints what it measured and powers
// the VM off. A server does not end: the host stops the VM. Lines it prints:
//   init_boottime_us=N   CLOCK_BOOTTIME when /init started: time since the kernel started
//                        its clock, early in start_kernel (see clock_gettime(2))
//   net=up | net=fail REASON
//   exit=N | signal=N    how the program ended
// The address comes as `bench_ip=ADDR/PREFIX bench_gateway=ADDR` on the kernel command
// line, which the kernel hands to /init as environment variables (kernel-parameters.txt).
// See finit_module(2) for the modules, netdevice(7) and route(8) for the interface, and
// reboot(2) for the power-off.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32
#define MAX_MODULES 16
#define INTERFACE "eth0"
// virtio_net registers eth0 as it loads; allow for a slow probe all the same.
#define INTERFACE_WAIT_MS 5000

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

static int set_flags(int sock, const char *name, short flags) {
    struct ifreq request = {0};
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(sock, SIOCGIFFLAGS, &request) != 0) {
        return -1;
    }
    request.ifr_flags |= flags;
    return ioctl(sock, SIOCSIFFLAGS, &request);
}

// Loads each module of /bench/modules; one that is already there is fine.
static const char *load_modules(void) {
    static char reason[160];
    char *paths[MAX_MODULES];
    char *text = read_file("/bench/modules");
    int count = text ? split_lines(text, paths, MAX_MODULES) : 0;
    for (int i = 0; i < count; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)) {
            snprintf(reason, sizeof reason, "%s: %s", paths[i], strerror(errno));
            return reason;
        }
        close(fd);
    }
    return NULL;
}

static struct sockaddr_in ipv4(in_addr_t address) {
    struct sockaddr_in socket_address = {.sin_family = AF_INET};
    socket_address.sin_addr.s_addr = address;
    return socket_address;
}

// Gives eth0 `address`/`prefix`, brings it up and routes everything through `gateway`.
static const char *configure(int sock, const char *address, int prefix, const char *gateway) {
    struct ifreq request = {0};
    strcpy(request.ifr_name, INTERFACE);
    for (int waited = 0; ioctl(sock, SIOCGIFFLAGS, &request) != 0; waited += 10) {
        if (waited >= INTERFACE_WAIT_MS) {
            return "no " INTERFACE " (is virtio_net loaded?)";
        }
        usleep(10000);
    }

    struct sockaddr_in host = ipv4(inet_addr(address));
    memcpy(&request.ifr_addr, &host, sizeof host);
    if (ioctl(sock, SIOCSIFADDR, &request) != 0) {
        return "SIOCSIFADDR failed";
    }
    struct sockaddr_in mask = ipv4(htonl(prefix == 0 ? 0 : ~0u << (32 - prefix)));
    memcpy(&request.ifr_netmask, &mask, sizeof mask);
    if (ioctl(sock, SIOCSIFNETMASK, &request) != 0) {
        return "SIOCSIFNETMASK failed";
    }
    if (set_flags(sock, INTERFACE, IFF_UP | IFF_RUNNING) != 0) {
        return "SIOCSIFFLAGS failed";
    }

    struct rtentry route = {0};
    struct sockaddr_in any = ipv4(INADDR_ANY), via = ipv4(inet_addr(gateway));
    memcpy(&route.rt_dst, &any, sizeof any);
    memcpy(&route.rt_genmask, &any, sizeof any);
    memcpy(&route.rt_gateway, &via, sizeof via);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    route.rt_dev = INTERFACE;
    if (ioctl(sock, SIOCADDRT, &route) != 0) {
        return "SIOCADDRT failed";
    }
    return NULL;
}

// Brings up the network the kernel command line asks for, and says how it went.
static void network_up(void) {
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    set_flags(sock, "lo", IFF_UP);
    const char *failure = load_modules();

    char *address = getenv("bench_ip");
    char *gateway = getenv("bench_gateway");
    char *slash = address ? strchr(address, '/') : NULL;
    if (address && !failure) {
        if (!slash || !gateway) {
            failure = "bench_ip needs ADDR/PREFIX and bench_gateway";
        } else {
            *slash = '\0';
            failure = configure(sock, address, atoi(slash + 1), gateway);
        }
    }
    if (address || failure) {
        printf(failure ? "net=fail %s\n" : "net=up\n", failure);
        fflush(stdout);
    }
    close(sock);
    unsetenv("bench_ip");
    unsetenv("bench_gateway");
}

int main(void) {
    struct timespec started;
    clock_gettime(CLOCK_BOOTTIME, &started);
    setenv("LD_LIBRARY_PATH", "/lib/x86_64-linux-gnu", 1);
    mkdir("/tmp", 01777);

    char *argv[MAX_ARGS];
    char *argv_text = read_file("/bench/argv");
    if (!argv_text || split_lines(argv_text, argv, MAX_ARGS) == 0) {
        printf("init: /bench/argv is missing or empty\n");
        reboot(RB_POWER_OFF);
    }
    network_up();

    pid_t child = fork();
    if (child == 0) {
        execv(argv[0], argv);
        printf("init: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
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
