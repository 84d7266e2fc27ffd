// Exercises the file system calls against the image, tmpfs and the special files, and
// checks exact results and errno values: one line per check, then a summary.
//
// Usage: files DATA_DIR [readonly]
//   DATA_DIR holds small.txt ("hello, image\n") and big.bin (12388 bytes, byte i is
//   (i * 7 + 3) & 0xff), packed into the image with `pith run --file`.
//   With "readonly", only the checks of a read-only root run.
// It also runs on Linux, where checks of Pith's own layout are skipped.

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"

#define BIG_SIZE 12388
#define TMPFS_MAGIC 0x01021994

static const char *data_dir;
static char scratch[256];
static int in_pith;

static char *data_path(const char *name) {
    static char paths[4][512];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, 512, "%s/%s", data_dir, name);
    return path;
}

static char *scratch_path(const char *name) {
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 512, "%s/%s", scratch, name);
    return path;
}

static unsigned char big_byte(long i) { return (unsigned char)((i * 7 + 3) & 0xff); }

static int read_file(const char *path, char *buffer, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t total = 0, got;
    while (total < (ssize_t)size - 1 && (got = read(fd, buffer + total, size - 1 - total)) > 0)
        total += got;
    buffer[total] = 0;
    close(fd);
    return (int)total;
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0) perror("write");
        close(fd);
    }
}

static void image_files(void) {
    char buffer[64] = {0};
    int fd = open(data_path("small.txt"), O_RDONLY);
    CHECK("image: open small.txt", fd >= 0);
    CHECK_EQ("image: read small.txt", read(fd, buffer, sizeof buffer), 13);
    CHECK_STR("image: small.txt contents", buffer, "hello, image\n");
    CHECK_EQ("image: read at end of file", read(fd, buffer, sizeof buffer), 0);
    CHECK_EQ("image: lseek SEEK_SET", lseek(fd, 7, SEEK_SET), 7);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("image: read after lseek", read(fd, buffer, 5), 5);
    CHECK_STR("image: bytes after lseek", buffer, "image");
    CHECK_EQ("image: lseek SEEK_END", lseek(fd, -1, SEEK_END), 12);
    CHECK_ERR("image: lseek before start", lseek(fd, -20, SEEK_CUR), EINVAL);
    CHECK_ERR("image: lseek bad whence", lseek(fd, 0, 42), EINVAL);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("image: pread", pread(fd, buffer, 5, 0), 5);
    CHECK_STR("image: pread bytes", buffer, "hello");
    CHECK_EQ("image: pread leaves position", lseek(fd, 0, SEEK_CUR), 12);
    CHECK_ERR("image: pread negative offset", pread(fd, buffer, 1, -1), EINVAL);
    CHECK_ERR("image: write to O_RDONLY", write(fd, "x", 1), EBADF);
    struct stat st;
    CHECK_EQ("image: fstat", fstat(fd, &st), 0);
    CHECK_EQ("image: fstat size", st.st_size, 13);
    CHECK("image: fstat regular", S_ISREG(st.st_mode));
    CHECK_EQ("image: fstat nlink", st.st_nlink, 1);
    close(fd);

    fd = open(data_path("big.bin"), O_RDONLY);
    static unsigned char big[BIG_SIZE + 10];
    CHECK_EQ("image: read big.bin", read(fd, big, sizeof big), BIG_SIZE);
    int same = 1;
    for (long i = 0; i < BIG_SIZE; i++) same &= big[i] == big_byte(i);
    CHECK("image: big.bin contents", same);
    unsigned char *map = mmap(NULL, BIG_SIZE, PROT_READ, MAP_PRIVATE, fd, 4096);
    CHECK("image: mmap big.bin at 4096", map != MAP_FAILED);
    if (map != MAP_FAILED) {
        same = 1;
        for (long i = 0; i < BIG_SIZE - 4096; i++) same &= map[i] == big_byte(i + 4096);
        CHECK("image: mapped bytes", same);
        CHECK_EQ("image: mapped tail is zero", map[BIG_SIZE - 4096 + 5], 0);
        munmap(map, BIG_SIZE);
    }
    map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
        map[1] = 0xee;
        CHECK_EQ("image: private mapping is copy-on-write", map[1], 0xee);
        unsigned char byte;
        pread(fd, &byte, 1, 1);
        CHECK_EQ("image: file unchanged by private write", byte, big_byte(1));
        munmap(map, 8192);
    }
    CHECK_ERR("image: shared writable map of O_RDONLY", (long)mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    struct iovec vectors[2] = {{big, 3}, {big + 3, 4}};
    CHECK_EQ("image: preadv", preadv(fd, vectors, 2, 10), 7);
    CHECK_EQ("image: preadv byte", big[6], big_byte(16));
    close(fd);

    if (in_pith) {
        // The root is writable: changing an image file copies it into memory.
        fd = open(data_path("small.txt"), O_RDWR);
        CHECK("image: open for writing", fd >= 0);
        CHECK_EQ("image: overwrite", pwrite(fd, "HELLO", 5, 0), 5);
        memset(buffer, 0, sizeof buffer);
        CHECK_EQ("image: read changed copy", pread(fd, buffer, 64, 0), 13);
        CHECK_STR("image: changed contents", buffer, "HELLO, image\n");
        close(fd);
        pwrite(open(data_path("small.txt"), O_WRONLY), "hello", 5, 0);
    }
}

static void paths(void) {
    struct stat st;
    char name[300];
    CHECK_ERR("path: missing file", open("/no/such/file", O_RDONLY), ENOENT);
    CHECK_ERR("path: file as directory", open(data_path("small.txt/x"), O_RDONLY), ENOTDIR);
    CHECK_ERR("path: trailing slash on file", stat(data_path("small.txt/"), &st), ENOTDIR);
    CHECK_ERR("path: empty", open("", O_RDONLY), ENOENT);
    CHECK_ERR("path: bad pointer", open((char *)8, O_RDONLY), EFAULT);
    memset(name, 'a', 256);
    name[256] = 0;
    CHECK_ERR("path: component of 256 bytes", open(name, O_RDONLY), ENAMETOOLONG);
    static char long_path[5000];
    for (int i = 0; i < 4999; i += 2) long_path[i] = '/', long_path[i + 1] = 'x';
    long_path[4999] = 0;
    CHECK_ERR("path: longer than PATH_MAX", open(long_path, O_RDONLY), ENAMETOOLONG);
    CHECK_EQ("path: dot and dotdot", stat("/tmp/./../tmp/.", &st), 0);
    CHECK("path: dot and dotdot is a directory", S_ISDIR(st.st_mode));
    struct stat root, parent;
    stat("/", &root);
    stat("/..", &parent);
    CHECK_EQ("path: /.. is /", parent.st_ino, root.st_ino);

    CHECK_EQ("path: symlink loop", symlink("loop-b", scratch_path("loop-a")), 0);
    symlink("loop-a", scratch_path("loop-b"));
    CHECK_ERR("path: ELOOP on a cycle", open(scratch_path("loop-a"), O_RDONLY), ELOOP);
    // A chain of 41 links exceeds the limit of 40; 40 are fine.
    char link_name[64], target[64];
    write_file(scratch_path("chain-end"), "end");
    for (int i = 0; i <= 40; i++) {
        snprintf(link_name, sizeof link_name, "chain-%d", i);
        if (i == 0) snprintf(target, sizeof target, "chain-end");
        else snprintf(target, sizeof target, "chain-%d", i - 1);
        symlink(target, scratch_path(link_name));
    }
    CHECK_EQ("path: 40 links are followed", stat(scratch_path("chain-39"), &st), 0);
    CHECK_ERR("path: 41 links are too many", stat(scratch_path("chain-40"), &st), ELOOP);
    CHECK_ERR("path: O_NOFOLLOW on a link", open(scratch_path("chain-0"), O_RDONLY | O_NOFOLLOW), ELOOP);
    int path_fd = open(scratch_path("chain-0"), O_PATH | O_NOFOLLOW);
    CHECK("path: O_PATH|O_NOFOLLOW opens the link", path_fd >= 0);
    char target_buffer[64] = {0};
    CHECK_EQ("path: readlinkat on O_PATH link", readlinkat(path_fd, "", target_buffer, 63), 9);
    CHECK_ERR("path: read on O_PATH", read(path_fd, target_buffer, 1), EBADF);
    close(path_fd);
    CHECK_EQ("path: lstat sees the link", lstat(scratch_path("chain-0"), &st), 0);
    CHECK("path: lstat mode is a link", S_ISLNK(st.st_mode));
    CHECK_EQ("path: lstat link size", st.st_size, 9);
    CHECK_ERR("path: O_DIRECTORY on a file", open(data_path("small.txt"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR("path: directory opened for writing", open("/tmp", O_WRONLY), EISDIR);
    CHECK_ERR("path: readlink of a file", readlink(data_path("small.txt"), target_buffer, 10), EINVAL);
    CHECK_ERR("path: readlinkat with an empty path", readlinkat(AT_FDCWD, "", target_buffer, 10), ENOENT);

    // Relative paths: the working directory and directory descriptors.
    char cwd[256];
    CHECK_EQ("path: chdir", chdir(scratch), 0);
    CHECK("path: getcwd", getcwd(cwd, sizeof cwd) != NULL);
    CHECK_STR("path: getcwd value", cwd, scratch);
    CHECK_ERR("path: getcwd ERANGE", getcwd(cwd, 3) == NULL ? -1 : 0, ERANGE);
    write_file("relative.txt", "rel");
    CHECK_EQ("path: relative file exists", stat(scratch_path("relative.txt"), &st), 0);
    CHECK_ERR("path: chdir to a file", chdir("relative.txt"), ENOTDIR);
    int dir_fd = open(data_dir, O_RDONLY | O_DIRECTORY);
    int fd = openat(dir_fd, "small.txt", O_RDONLY);
    CHECK("path: openat relative to dirfd", fd >= 0);
    close(fd);
    CHECK_ERR("path: openat with a file as dirfd", openat(fd = open(data_path("small.txt"), O_RDONLY), "x", O_RDONLY), ENOTDIR);
    close(fd);
    CHECK_ERR("path: openat with a bad dirfd", openat(999, "x", O_RDONLY), EBADF);
    CHECK_EQ("path: fchdir", fchdir(dir_fd), 0);
    CHECK_EQ("path: relative after fchdir", access("small.txt", R_OK), 0);
    CHECK_EQ("path: fstatat AT_EMPTY_PATH", fstatat(dir_fd, "", &st, AT_EMPTY_PATH), 0);
    CHECK("path: fstatat AT_EMPTY_PATH is the dir", S_ISDIR(st.st_mode));
    close(dir_fd);
    chdir("/");
}

static void tmpfs_files(void) {
    char buffer[128];
    struct stat st;
    const char *file = scratch_path("a.txt");
    int fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0640);
    CHECK("tmp: O_CREAT|O_EXCL", fd >= 0);
    CHECK_ERR("tmp: O_EXCL on existing", open(file, O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
    CHECK_EQ("tmp: write", write(fd, "0123456789", 10), 10);
    CHECK_EQ("tmp: fstat size", (fstat(fd, &st), st.st_size), 10);
    CHECK_EQ("tmp: mode with umask", st.st_mode & 07777, 0640);
    CHECK_EQ("tmp: lseek past end", lseek(fd, 20, SEEK_SET), 20);
    CHECK_EQ("tmp: write after hole", write(fd, "X", 1), 1);
    memset(buffer, 'z', sizeof buffer);
    CHECK_EQ("tmp: read with hole", pread(fd, buffer, 30, 0), 21);
    CHECK("tmp: hole reads as zeros", buffer[10] == 0 && buffer[19] == 0 && buffer[20] == 'X');
    CHECK_EQ("tmp: ftruncate shrink", ftruncate(fd, 4), 0);
    CHECK_EQ("tmp: size after shrink", (fstat(fd, &st), st.st_size), 4);
    CHECK_EQ("tmp: ftruncate grow", ftruncate(fd, 8), 0);
    memset(buffer, 'z', sizeof buffer);
    CHECK_EQ("tmp: read after grow", pread(fd, buffer, 30, 0), 8);
    CHECK("tmp: grown part is zero", buffer[3] == '3' && buffer[4] == 0 && buffer[7] == 0);
    CHECK_ERR("tmp: ftruncate negative", ftruncate(fd, -1), EINVAL);
    close(fd);

    fd = open(file, O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "AB", 2);
    CHECK_EQ("tmp: O_APPEND position", lseek(fd, 0, SEEK_CUR), 10);
    CHECK_EQ("tmp: F_GETFL has O_APPEND", fcntl(fd, F_GETFL) & (O_APPEND | O_ACCMODE), O_APPEND | O_WRONLY);
    CHECK_ERR("tmp: read from O_WRONLY", read(fd, buffer, 1), EBADF);
    close(fd);
    fd = open(file, O_RDWR | O_TRUNC);
    CHECK_EQ("tmp: O_TRUNC empties", (fstat(fd, &st), st.st_size), 0);
    struct iovec vectors[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK_EQ("tmp: writev", writev(fd, vectors, 3), 5);
    char first[2], second[3];
    struct iovec into[2] = {{first, 2}, {second, 3}};
    lseek(fd, 0, SEEK_SET);
    CHECK_EQ("tmp: readv", readv(fd, into, 2), 5);
    CHECK("tmp: readv bytes", memcmp(first, "ab", 2) == 0 && memcmp(second, "cde", 3) == 0);
    CHECK_EQ("tmp: pwritev2 at offset", pwritev2(fd, vectors, 1, 1, 0), 2);
    CHECK_EQ("tmp: preadv2 at -1 uses position", preadv2(fd, into, 1, -1, 0), 0);
    CHECK_EQ("tmp: fallocate grows", fallocate(fd, 0, 0, 100), 0);
    CHECK_EQ("tmp: size after fallocate", (fstat(fd, &st), st.st_size), 100);
    CHECK_EQ("tmp: fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1000), 0);
    CHECK_EQ("tmp: size kept", (fstat(fd, &st), st.st_size), 100);
    off_t before = lseek(fd, 0, SEEK_CUR);
    CHECK_EQ("tmp: pwritev2 RWF_APPEND", pwritev2(fd, vectors, 1, 0, RWF_APPEND), 2);
    CHECK_EQ("tmp: RWF_APPEND appends", (fstat(fd, &st), st.st_size), 102);
    CHECK_EQ("tmp: RWF_APPEND keeps the position", lseek(fd, 0, SEEK_CUR), before);
    CHECK_EQ("tmp: fsync", fsync(fd), 0);
    CHECK_EQ("tmp: fdatasync", fdatasync(fd), 0);

    // Unlinked while open: still readable, link count 0.
    CHECK_EQ("tmp: unlink open file", unlink(file), 0);
    CHECK_EQ("tmp: nlink after unlink", (fstat(fd, &st), st.st_nlink), 0);
    CHECK_EQ("tmp: read unlinked file", pread(fd, buffer, 3, 0), 3);
    CHECK_ERR("tmp: stat unlinked", stat(file, &st), ENOENT);
    CHECK_ERR("tmp: unlink again", unlink(file), ENOENT);
    close(fd);

    // Directories.
    CHECK_EQ("tmp: mkdir", mkdir(scratch_path("d"), 0755), 0);
    CHECK_ERR("tmp: mkdir existing", mkdir(scratch_path("d"), 0755), EEXIST);
    CHECK_ERR("tmp: mkdir in missing", mkdir(scratch_path("none/d"), 0755), ENOENT);
    CHECK_EQ("tmp: mkdir trailing slash", mkdir(scratch_path("e/"), 0755), 0);
    write_file(scratch_path("d/f"), "f");
    CHECK_ERR("tmp: rmdir not empty", rmdir(scratch_path("d")), ENOTEMPTY);
    CHECK_ERR("tmp: rmdir a file", rmdir(scratch_path("d/f")), ENOTDIR);
    CHECK_ERR("tmp: unlink a directory", unlink(scratch_path("d")), EISDIR);
    CHECK_ERR("tmp: rmdir dot", rmdir(scratch_path("d/.")), EINVAL);
    CHECK_EQ("tmp: directory nlink", (stat(scratch_path("d"), &st), st.st_nlink), 2);
    mkdir(scratch_path("d/sub"), 0755);
    CHECK_EQ("tmp: nlink counts subdirectories", (stat(scratch_path("d"), &st), st.st_nlink), 3);
    CHECK_ERR("tmp: unlinkat without AT_REMOVEDIR", unlinkat(AT_FDCWD, scratch_path("d/sub"), 0), EISDIR);
    CHECK_EQ("tmp: unlinkat AT_REMOVEDIR", unlinkat(AT_FDCWD, scratch_path("d/sub"), AT_REMOVEDIR), 0);
    CHECK_EQ("tmp: mkdirat", mkdirat(AT_FDCWD, scratch_path("d/sub2"), 0700), 0);
    CHECK_EQ("tmp: mkdir mode", (stat(scratch_path("d/sub2"), &st), st.st_mode & 0777), 0700);

    // Renames.
    write_file(scratch_path("r1"), "one");
    write_file(scratch_path("r2"), "two");
    CHECK_EQ("tmp: rename over a file", rename(scratch_path("r1"), scratch_path("r2")), 0);
    read_file(scratch_path("r2"), buffer, sizeof buffer);
    CHECK_STR("tmp: renamed contents", buffer, "one");
    CHECK_ERR("tmp: renamed source gone", access(scratch_path("r1"), F_OK), ENOENT);
    CHECK_ERR("tmp: rename file over dir", rename(scratch_path("r2"), scratch_path("d")), EISDIR);
    CHECK_ERR("tmp: rename dir over file", rename(scratch_path("e"), scratch_path("r2")), ENOTDIR);
    CHECK_ERR("tmp: rename dir over non-empty", rename(scratch_path("e"), scratch_path("d")), ENOTEMPTY);
    CHECK_ERR("tmp: rename dir into itself", rename(scratch_path("d"), scratch_path("d/sub2/x")), EINVAL);
    CHECK_ERR("tmp: rename missing", rename(scratch_path("nope"), scratch_path("x")), ENOENT);
    write_file(scratch_path("r3"), "three");
    CHECK_ERR("tmp: RENAME_NOREPLACE", renameat2(AT_FDCWD, scratch_path("r3"), AT_FDCWD, scratch_path("r2"), RENAME_NOREPLACE), EEXIST);
    CHECK_EQ("tmp: RENAME_EXCHANGE", renameat2(AT_FDCWD, scratch_path("r3"), AT_FDCWD, scratch_path("r2"), RENAME_EXCHANGE), 0);
    read_file(scratch_path("r3"), buffer, sizeof buffer);
    CHECK_STR("tmp: exchanged contents", buffer, "one");
    CHECK_EQ("tmp: rename directory", rename(scratch_path("e"), scratch_path("d/e2")), 0);
    CHECK_EQ("tmp: moved dir has new parent", (stat(scratch_path("d/e2/.."), &st), st.st_nlink), 4);
    if (in_pith) {
        CHECK_ERR("tmp: rename across filesystems", rename(scratch_path("r3"), "/r3"), EXDEV);
        CHECK_ERR("tmp: rmdir a mount point", rmdir("/tmp"), EBUSY);
    }

    // Links.
    CHECK_EQ("tmp: link", link(scratch_path("r3"), scratch_path("r3-link")), 0);
    CHECK_EQ("tmp: nlink 2", (stat(scratch_path("r3"), &st), st.st_nlink), 2);
    CHECK_ERR("tmp: link existing", link(scratch_path("r3"), scratch_path("r2")), EEXIST);
    CHECK_ERR("tmp: link a directory", link(scratch_path("d"), scratch_path("d-link")), EPERM);
    CHECK_EQ("tmp: symlink", symlink("r3", scratch_path("r3-sym")), 0);
    CHECK_ERR("tmp: symlink existing", symlink("x", scratch_path("r3-sym")), EEXIST);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("tmp: readlink", readlink(scratch_path("r3-sym"), buffer, sizeof buffer), 2);
    CHECK_STR("tmp: readlink target", buffer, "r3");
    CHECK_EQ("tmp: readlink truncates", readlink(scratch_path("r3-sym"), buffer, 1), 1);
    CHECK_ERR("tmp: readlink size 0", readlink(scratch_path("r3-sym"), buffer, 0), EINVAL);
    CHECK_EQ("tmp: open through symlink", read_file(scratch_path("r3-sym"), buffer, sizeof buffer), 3);
    symlink("dangling-target", scratch_path("dangling"));
    fd = open(scratch_path("dangling"), O_WRONLY | O_CREAT, 0600);
    CHECK("tmp: O_CREAT through dangling link creates target", fd >= 0 && access(scratch_path("dangling-target"), F_OK) == 0);
    close(fd);
    CHECK_ERR("tmp: O_CREAT|O_EXCL on a link", open(scratch_path("r3-sym"), O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);

    // Attributes.
    CHECK_EQ("tmp: chmod", chmod(scratch_path("r3"), 0604), 0);
    CHECK_EQ("tmp: chmod result", (stat(scratch_path("r3"), &st), st.st_mode & 07777), 0604);
    CHECK_EQ("tmp: chown", chown(scratch_path("r3"), 1000, 1001), 0);
    CHECK("tmp: chown recorded", (stat(scratch_path("r3"), &st), st.st_uid == 1000 && st.st_gid == 1001));
    CHECK_EQ("tmp: chown -1 keeps", chown(scratch_path("r3"), -1, 7), 0);
    CHECK("tmp: chown -1 result", (stat(scratch_path("r3"), &st), st.st_uid == 1000 && st.st_gid == 7));
    struct timespec times[2] = {{1000000000, 5}, {1200000000, 6}};
    CHECK_EQ("tmp: utimensat", utimensat(AT_FDCWD, scratch_path("r3"), times, 0), 0);
    CHECK("tmp: utimensat times", (stat(scratch_path("r3"), &st), st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 6));
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_EQ("tmp: utimensat UTIME_OMIT/NOW", utimensat(AT_FDCWD, scratch_path("r3"), omit, 0), 0);
    CHECK("tmp: UTIME_OMIT keeps atime", (stat(scratch_path("r3"), &st), st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec > 1600000000));
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    CHECK_ERR("tmp: utimensat bad nanoseconds", utimensat(AT_FDCWD, scratch_path("r3"), bad, 0), EINVAL);
    mode_t old_mask = umask(077);
    CHECK_EQ("tmp: umask returns old", umask(077), 077);
    write_file(scratch_path("masked"), "m");
    CHECK_EQ("tmp: umask applied", (stat(scratch_path("masked"), &st), st.st_mode & 0777), 0600);
    umask(old_mask);
    CHECK_EQ("tmp: access F_OK", access(scratch_path("r3"), F_OK), 0);
    CHECK_ERR("tmp: access X_OK without x bits", access(scratch_path("r3"), X_OK), EACCES);
    CHECK_ERR("tmp: access bad mode", access(scratch_path("r3"), 8), EINVAL);
    CHECK_EQ("tmp: truncate by path", truncate(scratch_path("r3"), 1), 0);
    CHECK_EQ("tmp: truncated size", (stat(scratch_path("r3"), &st), st.st_size), 1);
    CHECK_ERR("tmp: truncate a directory", truncate(scratch_path("d"), 0), EISDIR);
    struct statx sx;
    CHECK_EQ("tmp: statx", statx(AT_FDCWD, scratch_path("r3"), 0, STATX_BASIC_STATS, &sx), 0);
    CHECK("tmp: statx fields", sx.stx_size == 1 && (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS && S_ISREG(sx.stx_mode));
    CHECK_ERR("tmp: statx bad flags", statx(AT_FDCWD, scratch_path("r3"), 0x40000000, 0, &sx), EINVAL);
    struct statfs sf;
    CHECK_EQ("tmp: statfs", statfs(scratch, &sf), 0);
    if (in_pith) CHECK_EQ("tmp: statfs type", sf.f_type, TMPFS_MAGIC);
}

static void listing(void) {
    mkdir(scratch_path("many"), 0755);
    char name[64];
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "many/file-%03d", i);
        write_file(scratch_path(name), "x");
    }
    DIR *dir = opendir(scratch_path("many"));
    int count = 0, dots = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) dots++;
        else count++;
    }
    CHECK_EQ("dir: readdir sees every entry", count, 150);
    CHECK_EQ("dir: readdir sees . and ..", dots, 2);
    rewinddir(dir);
    int again = 0;
    while (readdir(dir) != NULL) again++;
    CHECK_EQ("dir: rewinddir starts over", again, 152);
    closedir(dir);

    // Removing entries while listing, as rm -r does, misses none.
    dir = opendir(scratch_path("many"));
    int removed = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        CHECK("dir: entry type is regular", entry->d_type == DT_REG);
        if (unlinkat(dirfd(dir), entry->d_name, 0) == 0) removed++;
        if (removed > 2) break;
    }
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.' && unlinkat(dirfd(dir), entry->d_name, 0) == 0) removed++;
    }
    closedir(dir);
    CHECK_EQ("dir: remove while listing", removed, 150);
    CHECK_EQ("dir: now empty, rmdir works", rmdir(scratch_path("many")), 0);
    char buffer[16];
    int fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK_ERR("dir: getdents64 tiny buffer", syscall(SYS_getdents64, fd, buffer, 8), EINVAL);
    CHECK_ERR("dir: read on a directory", read(fd, buffer, 8), EISDIR);
    close(fd);
    fd = open(data_path("small.txt"), O_RDONLY);
    CHECK_ERR("dir: getdents64 on a file", syscall(SYS_getdents64, fd, buffer, 16), ENOTDIR);
    close(fd);
}

static void descriptors(void) {
    char buffer[16];
    int fd = open(data_path("small.txt"), O_RDONLY);
    int copy = dup(fd);
    CHECK("fd: dup", copy > fd);
    read(fd, buffer, 3);
    CHECK_EQ("fd: dup shares the offset", lseek(copy, 0, SEEK_CUR), 3);
    CHECK_EQ("fd: dup2", dup2(fd, 50), 50);
    CHECK_EQ("fd: dup2 same fd", dup2(50, 50), 50);
    CHECK_ERR("fd: dup2 bad fd", dup2(99, 51), EBADF);
    CHECK_ERR("fd: dup3 same fd", dup3(50, 50, 0), EINVAL);
    CHECK_EQ("fd: dup3 O_CLOEXEC", dup3(fd, 52, O_CLOEXEC), 52);
    CHECK_EQ("fd: F_GETFD cloexec", fcntl(52, F_GETFD), FD_CLOEXEC);
    CHECK_EQ("fd: F_GETFD no cloexec", fcntl(50, F_GETFD), 0);
    CHECK_EQ("fd: F_SETFD", fcntl(50, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ("fd: F_GETFD after set", fcntl(50, F_GETFD), FD_CLOEXEC);
    CHECK_EQ("fd: F_DUPFD lowest above", fcntl(fd, F_DUPFD, 60), 60);
    CHECK_EQ("fd: F_DUPFD_CLOEXEC", fcntl(fd, F_DUPFD_CLOEXEC, 60), 61);
    CHECK_EQ("fd: F_DUPFD_CLOEXEC flag", fcntl(61, F_GETFD), FD_CLOEXEC);
    CHECK_EQ("fd: F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
    CHECK_EQ("fd: F_SETFL O_NONBLOCK", fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    CHECK_EQ("fd: F_SETFL shared by dup", fcntl(copy, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    CHECK_EQ("fd: FIOCLEX", ioctl(copy, FIOCLEX), 0);
    CHECK_EQ("fd: FIOCLEX result", fcntl(copy, F_GETFD), FD_CLOEXEC);
    int available = -1;
    CHECK_EQ("fd: FIONREAD on a file", ioctl(copy, FIONREAD, &available), 0);
    CHECK_EQ("fd: FIONREAD value", available, 10);
    CHECK_ERR("fd: terminal ioctl on a file", ioctl(fd, TCGETS, buffer), ENOTTY);
    CHECK_EQ("fd: close_range", close_range(50, 61, 0), 0);
    CHECK_ERR("fd: closed by close_range", fcntl(60, F_GETFD), EBADF);
    CHECK_ERR("fd: close twice", close(50), EBADF);
    CHECK_ERR("fd: close negative", close(-1), EBADF);
    CHECK_EQ("fd: close_range CLOEXEC", close_range(copy, copy, CLOSE_RANGE_CLOEXEC), 0);
    close(copy);
    close(fd);

    // Locks: descriptions conflict with each other (flock, OFD locks), not with themselves.
    write_file(scratch_path("lock"), "0123456789");
    int first = open(scratch_path("lock"), O_RDWR), second = open(scratch_path("lock"), O_RDWR);
    CHECK_EQ("lock: flock exclusive", flock(first, LOCK_EX | LOCK_NB), 0);
    CHECK_ERR("lock: flock conflict", flock(second, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    CHECK_EQ("lock: flock unlock", flock(first, LOCK_UN), 0);
    CHECK_EQ("lock: flock shared after unlock", flock(second, LOCK_SH | LOCK_NB), 0);
    CHECK_EQ("lock: flock second shared", flock(first, LOCK_SH | LOCK_NB), 0);
    struct flock record = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    CHECK_EQ("lock: F_OFD_SETLK", fcntl(first, F_OFD_SETLK, &record), 0);
    CHECK_ERR("lock: F_OFD_SETLK conflict", fcntl(second, F_OFD_SETLK, &record), EAGAIN);
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 1};
    CHECK_EQ("lock: F_OFD_GETLK", fcntl(second, F_OFD_GETLK, &probe), 0);
    CHECK("lock: F_OFD_GETLK reports holder", probe.l_type == F_WRLCK && probe.l_start == 0 && probe.l_len == 5 && probe.l_pid == -1);
    record.l_start = 5;
    CHECK_EQ("lock: F_OFD_SETLK other range", fcntl(second, F_OFD_SETLK, &record), 0);
    struct flock mine = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 20, .l_len = 0};
    CHECK_EQ("lock: F_SETLK", fcntl(first, F_SETLK, &mine), 0);
    mine.l_start = 30;
    CHECK_EQ("lock: F_GETLK own lock", fcntl(second, F_GETLK, &mine), 0);
    CHECK_EQ("lock: own process does not conflict", mine.l_type, F_UNLCK);
    struct flock bad = {.l_type = 7};
    CHECK_ERR("lock: bad type", fcntl(first, F_SETLK, &bad), EINVAL);
    close(second);
    close(first);
}

static void special_files(void) {
    char buffer[256];
    int fd = open("/dev/null", O_RDWR);
    CHECK_EQ("dev: null read", read(fd, buffer, sizeof buffer), 0);
    CHECK_EQ("dev: null write", write(fd, buffer, 100), 100);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buffer, 1, sizeof buffer);
    CHECK_EQ("dev: zero read", read(fd, buffer, sizeof buffer), (long)sizeof buffer);
    CHECK("dev: zero bytes", buffer[0] == 0 && buffer[255] == 0);
    char *zeros = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK("dev: mmap /dev/zero", zeros != MAP_FAILED && zeros[100] == 0);
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    CHECK_ERR("dev: full write", write(fd, "x", 1), ENOSPC);
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    unsigned char random_bytes[32] = {0};
    CHECK_EQ("dev: urandom read", read(fd, random_bytes, 32), 32);
    int nonzero = 0;
    for (int i = 0; i < 32; i++) nonzero |= random_bytes[i];
    CHECK("dev: urandom not all zero", nonzero);
    close(fd);
    struct stat st;
    CHECK_EQ("dev: stat /dev/null", stat("/dev/null", &st), 0);
    CHECK("dev: /dev/null is 1:3", S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
    fd = open("/dev/fd/1", O_WRONLY);
    CHECK("dev: /dev/fd/1 opens", fd >= 0);
    close(fd);
    fd = open(data_path("small.txt"), O_RDONLY);
    char fd_path[64];
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
    memset(buffer, 0, sizeof buffer);
    CHECK_EQ("proc: readlink fd", readlink(fd_path, buffer, sizeof buffer), (long)strlen(data_path("small.txt")));
    CHECK_STR("proc: fd link target", buffer, data_path("small.txt"));
    int again = open(fd_path, O_RDONLY);
    CHECK("proc: reopen through fd link", again >= 0 && read(again, buffer, 5) == 5 && memcmp(buffer, "hello", 5) == 0);
    close(again);
    close(fd);
    int pipe_ends[2];
    pipe(pipe_ends);
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", pipe_ends[0]);
    memset(buffer, 0, sizeof buffer);
    readlink(fd_path, buffer, sizeof buffer);
    CHECK("proc: pipe link", strncmp(buffer, "pipe:[", 6) == 0);
    close(pipe_ends[0]);
    close(pipe_ends[1]);

    memset(buffer, 0, sizeof buffer);
    CHECK("proc: readlink /proc/self/exe", readlink("/proc/self/exe", buffer, sizeof buffer) > 0);
    struct stat exe, self;
    stat(buffer, &exe);
    stat("/proc/self/exe", &self);
    CHECK("proc: /proc/self/exe is the program", exe.st_ino == self.st_ino && exe.st_dev == self.st_dev);
    chdir(scratch);
    memset(buffer, 0, sizeof buffer);
    readlink("/proc/self/cwd", buffer, sizeof buffer);
    CHECK_STR("proc: /proc/self/cwd", buffer, scratch);
    chdir("/");
    DIR *dir = opendir("/proc/self/fd");
    int standard = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL)
        standard += strcmp(entry->d_name, "0") == 0 || strcmp(entry->d_name, "1") == 0 || strcmp(entry->d_name, "2") == 0;
    if (dir) closedir(dir);
    CHECK_EQ("proc: /proc/self/fd lists 0, 1, 2", standard, 3);
    static char text[65536];
    CHECK("proc: maps", read_file("/proc/self/maps", text, sizeof text) > 0 && strstr(text, "r-xp") != NULL);
    CHECK("proc: status", read_file("/proc/self/status", text, sizeof text) > 0 && strstr(text, "Pid:\t") != NULL);
    CHECK("proc: stat", read_file("/proc/self/stat", text, sizeof text) > 0 && strchr(text, '(') != NULL);
    int length = read_file("/proc/self/cmdline", text, sizeof text);
    CHECK("proc: cmdline ends with NUL", length > 0 && text[length - 1] == 0);
    CHECK("proc: environ", read_file("/proc/self/environ", text, sizeof text) > 0);
    fd = open("/proc/self/auxv", O_RDONLY);
    unsigned long auxv[128];
    long auxv_bytes = read(fd, auxv, sizeof auxv);
    close(fd);
    int page_size = 0;
    for (long i = 0; i + 1 < auxv_bytes / 8; i += 2)
        if (auxv[i] == 6) page_size = (int)auxv[i + 1];
    CHECK_EQ("proc: auxv AT_PAGESZ", page_size, 4096);
    CHECK("proc: limits", read_file("/proc/self/limits", text, sizeof text) > 0 && strstr(text, "Max open files") != NULL);
    CHECK("proc: cpuinfo", read_file("/proc/cpuinfo", text, sizeof text) > 0 && strstr(text, "processor") != NULL);
    CHECK("proc: meminfo", read_file("/proc/meminfo", text, sizeof text) > 0 && strstr(text, "MemTotal:") != NULL);
    CHECK("proc: stat cpu line", read_file("/proc/stat", text, sizeof text) > 0 && strncmp(text, "cpu ", 4) == 0);
    CHECK("proc: uptime", read_file("/proc/uptime", text, sizeof text) > 0 && strchr(text, '.') != NULL);
    CHECK("proc: loadavg", read_file("/proc/loadavg", text, sizeof text) > 0);
    CHECK("proc: hostname", read_file("/proc/sys/kernel/hostname", text, sizeof text) > 0);
    CHECK("sys: cpu online", read_file("/sys/devices/system/cpu/online", text, sizeof text) > 0 && text[0] == '0');
    fd = open("/proc/cpuinfo", O_WRONLY);
    CHECK_ERR("proc: write to cpuinfo", write(fd, "x", 1), EIO);
    close(fd);
    if (in_pith) {
        CHECK_EQ("proc: readlink /proc/self", readlink("/proc/self", buffer, sizeof buffer), 1);
        read_file("/proc/sys/kernel/hostname", text, sizeof text);
        CHECK_STR("proc: hostname value", text, "pith\n");
        read_file("/sys/devices/system/cpu/online", text, sizeof text);
        CHECK_STR("sys: online value", text, "0\n");
        // Standard output is a terminal only if it is one on the host; fstat agrees.
        struct stat out_stat;
        fstat(1, &out_stat);
        CHECK_EQ("dev: isatty(1) matches fstat", isatty(1), S_ISCHR(out_stat.st_mode) ? 1 : 0);
        CHECK_EQ("dev: /dev/tty is a terminal", isatty(fd = open("/dev/tty", O_RDWR)), 1);
        close(fd);
    }
}

static void pipes_and_friends(void) {
    char buffer[128];
    int ends[2];
    CHECK_EQ("pipe: pipe2", pipe2(ends, O_NONBLOCK | O_CLOEXEC), 0);
    CHECK_EQ("pipe: O_CLOEXEC", fcntl(ends[0], F_GETFD), FD_CLOEXEC);
    CHECK_ERR("pipe: empty nonblocking read", read(ends[0], buffer, 10), EAGAIN);
    CHECK_EQ("pipe: write", write(ends[1], "hello", 5), 5);
    int available = 0;
    CHECK_EQ("pipe: FIONREAD", (ioctl(ends[0], FIONREAD, &available), available), 5);
    struct pollfd poll_entries[2] = {{ends[0], POLLIN, 0}, {ends[1], POLLOUT, 0}};
    CHECK_EQ("pipe: poll both ready", poll(poll_entries, 2, 0), 2);
    CHECK_EQ("pipe: poll revents", poll_entries[0].revents, POLLIN);
    CHECK_EQ("pipe: read", read(ends[0], buffer, sizeof buffer), 5);
    CHECK_EQ("pipe: poll times out", poll(poll_entries, 1, 10), 0);
    CHECK_ERR("pipe: lseek", lseek(ends[0], 0, SEEK_SET), ESPIPE);
    CHECK_ERR("pipe: pread", pread(ends[0], buffer, 1, 0), ESPIPE);
    CHECK_ERR("pipe: write to read end", write(ends[0], "x", 1), EBADF);
    CHECK_EQ("pipe: F_GETPIPE_SZ", fcntl(ends[0], F_GETPIPE_SZ), 65536);
    CHECK_EQ("pipe: F_SETPIPE_SZ", fcntl(ends[0], F_SETPIPE_SZ, 5000), 8192);
    struct stat st;
    CHECK("pipe: fstat is a FIFO", fstat(ends[0], &st) == 0 && S_ISFIFO(st.st_mode));
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(ends[0], &readable);
    struct timeval no_wait = {0, 1000};
    CHECK_EQ("pipe: select empty", select(ends[0] + 1, &readable, NULL, NULL, &no_wait), 0);
    write(ends[1], "x", 1);
    FD_SET(ends[0], &readable);
    CHECK_EQ("pipe: select ready", select(ends[0] + 1, &readable, NULL, NULL, NULL), 1);
    CHECK("pipe: select bit", FD_ISSET(ends[0], &readable));
    read(ends[0], buffer, 1);
    close(ends[1]);
    CHECK_EQ("pipe: end of file after writer closes", read(ends[0], buffer, 10), 0);
    poll_entries[0].events = POLLIN;
    CHECK_EQ("pipe: POLLHUP", (poll(poll_entries, 1, 0), poll_entries[0].revents & POLLHUP), POLLHUP);
    close(ends[0]);
    signal(SIGPIPE, SIG_IGN);
    pipe(ends);
    close(ends[0]);
    CHECK_ERR("pipe: EPIPE without readers", write(ends[1], "x", 1), EPIPE);
    close(ends[1]);
    pipe(ends);
    fcntl(ends[1], F_SETFL, O_NONBLOCK);
    static char chunk[70000];
    CHECK_EQ("pipe: nonblocking write fills", write(ends[1], chunk, sizeof chunk), 65536);
    CHECK_ERR("pipe: full pipe", write(ends[1], chunk, 1), EAGAIN);
    close(ends[0]);
    close(ends[1]);

    int event = eventfd(3, EFD_NONBLOCK);
    uint64_t value = 0;
    CHECK_EQ("eventfd: read", read(event, &value, 8), 8);
    CHECK_EQ("eventfd: initial value", value, 3);
    CHECK_ERR("eventfd: read when zero", read(event, &value, 8), EAGAIN);
    value = 5;
    CHECK_EQ("eventfd: write", write(event, &value, 8), 8);
    CHECK_ERR("eventfd: short read", read(event, &value, 4), EINVAL);
    value = UINT64_MAX;
    CHECK_ERR("eventfd: write max", write(event, &value, 8), EINVAL);
    close(event);
    event = eventfd(2, EFD_SEMAPHORE);
    read(event, &value, 8);
    CHECK_EQ("eventfd: semaphore reads 1", value, 1);
    close(event);

    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK("timerfd: create", timer >= 0);
    CHECK_ERR("timerfd: not armed", read(timer, &value, 8), EAGAIN);
    struct itimerspec setting = {{0, 0}, {0, 20000000}}, current;
    CHECK_EQ("timerfd: settime", timerfd_settime(timer, 0, &setting, NULL), 0);
    CHECK_EQ("timerfd: gettime", timerfd_gettime(timer, &current), 0);
    CHECK("timerfd: time left", current.it_value.tv_nsec > 0 && current.it_value.tv_nsec <= 20000000);
    struct pollfd timer_poll = {timer, POLLIN, 0};
    CHECK_EQ("timerfd: poll waits for expiry", poll(&timer_poll, 1, 1000), 1);
    CHECK_EQ("timerfd: read", read(timer, &value, 8), 8);
    CHECK_EQ("timerfd: one expiration", value, 1);
    CHECK_ERR("timerfd: bad clock", timerfd_create(42, 0), EINVAL);
    CHECK_ERR("timerfd: settime on a non-timer", timerfd_settime(0, 0, &setting, NULL), EINVAL);
    close(timer);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    int signals = signalfd(-1, &mask, SFD_NONBLOCK);
    CHECK("signalfd: create", signals >= 0);
    struct signalfd_siginfo info;
    CHECK_ERR("signalfd: nothing pending", read(signals, &info, sizeof info), EAGAIN);
    close(signals);
}

static void memory_files(void) {
    int fd = memfd_create("test", MFD_ALLOW_SEALING);
    CHECK("memfd: create", fd >= 0);
    CHECK_EQ("memfd: ftruncate", ftruncate(fd, 8192), 0);
    char *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK("memfd: mmap shared", shared != MAP_FAILED);
    char buffer[16] = {0};
    if (shared != MAP_FAILED) {
        strcpy(shared + 4096, "via map");
        CHECK_EQ("memfd: pread sees mapped write", pread(fd, buffer, 7, 4096), 7);
        CHECK_STR("memfd: mapped bytes", buffer, "via map");
        pwrite(fd, "via file", 8, 100);
        CHECK("memfd: mapping sees file write", memcmp(shared + 100, "via file", 8) == 0);
        char *second = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
        CHECK("memfd: second mapping shares pages", second != MAP_FAILED && strcmp(second, "via map") == 0);
        char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        private[100] = 'X';
        CHECK_EQ("memfd: private write stays private", (pread(fd, buffer, 1, 100), buffer[0]), 'v');
        munmap(private, 4096);
        munmap(second, 4096);
        munmap(shared, 8192);
    }
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    memset(buffer, 0, sizeof buffer);
    readlink(link, buffer, sizeof buffer - 1);
    CHECK("memfd: link name", strncmp(buffer, "/memfd:test", 11) == 0);
    CHECK_EQ("memfd: add seals", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
    CHECK_EQ("memfd: get seals", fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
    CHECK_ERR("memfd: sealed shrink", ftruncate(fd, 10), EPERM);
    CHECK_ERR("memfd: sealed grow", pwrite(fd, "x", 1, 9000), EPERM);
    CHECK_EQ("memfd: write inside", pwrite(fd, "x", 1, 10), 1);
    close(fd);
    CHECK_ERR("memfd: bad flags", memfd_create("x", 0x100), EINVAL);

    // Shared mappings of a tmpfs file show the file's own pages.
    fd = open(scratch_path("mapped"), O_RDWR | O_CREAT, 0600);
    ftruncate(fd, 4096);
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
        memcpy(map, "shared!", 7);
        CHECK_EQ("mmap: msync", msync(map, 4096, MS_SYNC), 0);
        munmap(map, 4096);
    }
    CHECK_EQ("mmap: file has mapped write", pread(fd, buffer, 7, 0), 7);
    CHECK("mmap: mapped bytes in file", memcmp(buffer, "shared!", 7) == 0);
    CHECK_ERR("mmap: msync unaligned", msync((char *)map + 1, 10, MS_SYNC), EINVAL);
    close(fd);
    fd = open(scratch, O_RDONLY);
    CHECK_ERR("mmap: directory", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), ENODEV);
    close(fd);
}

static void transfers(void) {
    int in = open(data_path("big.bin"), O_RDONLY);
    int out = open(scratch_path("copy"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    off_t offset = 100;
    CHECK_EQ("sendfile: with offset", sendfile(out, in, &offset, 5000), 5000);
    CHECK_EQ("sendfile: offset advanced", offset, 5100);
    CHECK_EQ("sendfile: file position unchanged", lseek(in, 0, SEEK_CUR), 0);
    unsigned char byte = 0;
    pread(out, &byte, 1, 4999);
    CHECK_EQ("sendfile: last byte", byte, big_byte(5099));
    CHECK_EQ("sendfile: from position", sendfile(out, in, NULL, 10), 10);
    CHECK_EQ("sendfile: position advanced", lseek(in, 0, SEEK_CUR), 10);
    loff_t from = 0, to = 0;
    int copy = open(scratch_path("copy2"), O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK_EQ("copy_file_range", copy_file_range(in, &from, copy, &to, BIG_SIZE, 0), BIG_SIZE);
    CHECK_EQ("copy_file_range: size", lseek(copy, 0, SEEK_END), BIG_SIZE);
    CHECK_ERR("copy_file_range: flags", copy_file_range(in, &from, copy, &to, 1, 1), EINVAL);
    int ends[2];
    pipe(ends);
    loff_t splice_offset = 0;
    CHECK_EQ("splice: file to pipe", splice(in, &splice_offset, ends[1], NULL, 100, 0), 100);
    unsigned char piped[100];
    CHECK_EQ("splice: pipe has the bytes", read(ends[0], piped, 100), 100);
    CHECK_EQ("splice: byte", piped[99], big_byte(99));
    CHECK_ERR("splice: no pipe", splice(in, NULL, out, NULL, 1, 0), EINVAL);
    close(ends[0]);
    close(ends[1]);
    close(copy);
    close(out);
    close(in);

    // O_TMPFILE: an unnamed file, linked later.
    int fd = open(scratch, O_TMPFILE | O_RDWR, 0600);
    CHECK("O_TMPFILE: open", fd >= 0);
    write(fd, "tmp", 3);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK_EQ("O_TMPFILE: linkat", linkat(AT_FDCWD, path, AT_FDCWD, scratch_path("named"), AT_SYMLINK_FOLLOW), 0);
    char buffer[8] = {0};
    CHECK_EQ("O_TMPFILE: named file", read_file(scratch_path("named"), buffer, sizeof buffer), 3);
    CHECK_ERR("O_TMPFILE: needs write access", open(scratch, O_TMPFILE | O_RDONLY, 0600), EINVAL);
    close(fd);
}

static void read_only_root(void) {
    CHECK_ERR("ro: create in root", open("/new-file", O_WRONLY | O_CREAT, 0644), EROFS);
    CHECK_ERR("ro: mkdir in root", mkdir("/new-dir", 0755), EROFS);
    CHECK_ERR("ro: mkdir of an existing name", mkdir(data_dir, 0755), EEXIST);
    CHECK_ERR("ro: unlink of a missing name", unlink("/missing"), EROFS);
    CHECK_ERR("ro: open image file for writing", open(data_path("small.txt"), O_WRONLY), EROFS);
    CHECK_ERR("ro: unlink image file", unlink(data_path("small.txt")), EROFS);
    CHECK_ERR("ro: rename image file", rename(data_path("small.txt"), data_path("x")), EROFS);
    CHECK_ERR("ro: chmod image file", chmod(data_path("small.txt"), 0600), EROFS);
    CHECK_ERR("ro: truncate image file", truncate(data_path("small.txt"), 0), EROFS);
    CHECK_ERR("ro: access W_OK", access(data_path("small.txt"), W_OK), EROFS);
    CHECK_ERR("ro: symlink in root", symlink("x", "/new-link"), EROFS);
    CHECK_EQ("ro: read still works", access(data_path("small.txt"), R_OK), 0);
    int fd = open(data_path("small.txt"), O_RDONLY);
    CHECK_ERR("ro: shared writable map", (long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    close(fd);
    struct statfs sf;
    statfs("/", &sf);
    CHECK("ro: statfs ST_RDONLY", sf.f_flags & ST_RDONLY);
    fd = open("/tmp/still-writable", O_RDWR | O_CREAT, 0600);
    CHECK("ro: /tmp stays writable", fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    CHECK("ro: /dev/shm stays writable", (fd = open("/dev/shm/x", O_RDWR | O_CREAT, 0600)) >= 0);
    close(fd);
}

int main(int argc, char **argv) {
    data_dir = argc > 1 ? argv[1] : "/data";
    struct utsname name;
    uname(&name);
    in_pith = strstr(name.release, "pith") != NULL;
    if (argc > 2 && strcmp(argv[2], "readonly") == 0) {
        read_only_root();
        return summary("files (read-only root)");
    }
    if (in_pith) {
        snprintf(scratch, sizeof scratch, "/tmp/files");
        mkdir(scratch, 0755);
    } else {
        snprintf(scratch, sizeof scratch, "/tmp/pith-files-XXXXXX");
        mkdtemp(scratch);
    }
    image_files();
    paths();
    tmpfs_files();
    listing();
    descriptors();
    special_files();
    pipes_and_friends();
    memory_files();
    transfers();
    return summary("files");
}
