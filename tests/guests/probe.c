// Checks one part of the Linux process environment, named by its argument, and prints
// one line per fact so that a test can compare the whole output exactly:
//   startup - argv and envp are NULL-terminated, and the auxiliary vector holds what
//             the C library and language runtimes rely on (AT_PAGESZ, AT_RANDOM, ...)
//   env     - prints every environment variable, in order
//   uname   - uname(2) says Linux on x86_64
//   clock   - CLOCK_MONOTONIC never goes back; CLOCK_REALTIME is a plausible date
//   pid     - getpid(2) and getppid(2) answer
//   stderr  - writes one line to each of standard output and standard error
// See getauxval(3), uname(2), clock_gettime(2).

#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static const char *yes_no(int condition) { return condition ? "yes" : "no"; }

// The auxiliary vector follows the NULL that ends envp on the initial stack (see the
// System V x86-64 ABI, section 3.4.1); read it there rather than through getauxval so
// that the check covers the layout, not only the C library's copy.
static const Elf64_auxv_t *auxv_after(char **envp) {
    while (*envp) {
        envp++;
    }
    return (const Elf64_auxv_t *)(envp + 1);
}

static const Elf64_auxv_t *auxv_find(const Elf64_auxv_t *auxv, unsigned long type) {
    for (; auxv->a_type != AT_NULL; auxv++) {
        if (auxv->a_type == type) {
            return auxv;
        }
    }
    return NULL;
}

static int random_bytes_nonzero(const Elf64_auxv_t *random) {
    const unsigned char *bytes = (const unsigned char *)random->a_un.a_val;
    for (int i = 0; i < 16; i++) {
        if (bytes[i] != 0) {
            return 1;
        }
    }
    return 0;
}

static int check_startup(int argc, char **argv, char **envp) {
    const Elf64_auxv_t *auxv = auxv_after(envp);
    const Elf64_auxv_t *pagesz = auxv_find(auxv, AT_PAGESZ);
    const Elf64_auxv_t *phent = auxv_find(auxv, AT_PHENT);
    const Elf64_auxv_t *random = auxv_find(auxv, AT_RANDOM);

    printf("argv[argc] is NULL: %s\n", yes_no(argv[argc] == NULL));
    printf("AT_PAGESZ: %lu\n", pagesz ? pagesz->a_un.a_val : 0);
    printf("AT_PHENT: %lu\n", phent ? phent->a_un.a_val : 0);
    printf("AT_PHDR present: %s\n", yes_no(auxv_find(auxv, AT_PHDR) != NULL));
    printf("AT_PHNUM present: %s\n", yes_no(auxv_find(auxv, AT_PHNUM) != NULL));
    printf("AT_ENTRY present: %s\n", yes_no(auxv_find(auxv, AT_ENTRY) != NULL));
    printf("AT_RANDOM present: %s\n", yes_no(random != NULL));
    printf("AT_RANDOM bytes not all zero: %s\n", yes_no(random && random_bytes_nonzero(random)));
    printf("getauxval(AT_PAGESZ) agrees: %s\n",
           yes_no(pagesz && getauxval(AT_PAGESZ) == pagesz->a_un.a_val));
    printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
    return 0;
}

static int check_env(char **envp) {
    for (char **variable = envp; *variable; variable++) {
        printf("env %s\n", *variable);
    }
    return 0;
}

static int check_uname(void) {
    struct utsname name;

    if (uname(&name) != 0) {
        perror("uname");
        return 1;
    }
    printf("sysname: %s\n", name.sysname);
    printf("machine: %s\n", name.machine);
    printf("release not empty: %s\n", yes_no(name.release[0] != '\0'));
    return 0;
}

static long long nanoseconds(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static int check_clock(void) {
    struct timespec previous, now, wall;
    int monotonic = 1;

    if (clock_gettime(CLOCK_MONOTONIC, &previous) != 0) {
        perror("clock_gettime(CLOCK_MONOTONIC)");
        return 1;
    }
    for (int i = 0; i < 10000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (nanoseconds(now) < nanoseconds(previous) || now.tv_nsec >= 1000000000L) {
            monotonic = 0;
        }
        previous = now;
    }
    if (clock_gettime(CLOCK_REALTIME, &wall) != 0) {
        perror("clock_gettime(CLOCK_REALTIME)");
        return 1;
    }
    printf("monotonic never goes back: %s\n", yes_no(monotonic));
    // 2020-01-01T00:00:00Z: a wall clock before that was not read from the host.
    printf("realtime after 2020: %s\n", yes_no(wall.tv_sec > 1577836800));
    return 0;
}

static int check_pid(void) {
    printf("getpid positive: %s\n", yes_no(getpid() > 0));
    printf("getppid non-negative: %s\n", yes_no(getppid() >= 0));
    printf("getpid stable: %s\n", yes_no(getpid() == getpid()));
    return 0;
}

static int check_stderr(void) {
    const char out[] = "to stdout\n";
    const char err[] = "to stderr\n";

    if (write(1, out, sizeof out - 1) != sizeof out - 1 ||
        write(2, err, sizeof err - 1) != sizeof err - 1) {
        return 1;
    }
    return 0;
}

int main(int argc, char **argv, char **envp) {
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "startup") == 0) {
        return check_startup(argc, argv, envp);
    } else if (strcmp(mode, "env") == 0) {
        return check_env(envp);
    } else if (strcmp(mode, "uname") == 0) {
        return check_uname();
    } else if (strcmp(mode, "clock") == 0) {
        return check_clock();
    } else if (strcmp(mode, "pid") == 0) {
        return check_pid();
    } else if (strcmp(mode, "stderr") == 0) {
        return check_stderr();
    }
    fprintf(stderr, "usage: probe startup|env|uname|clock|pid|stderr\n");
    return 2;
}
