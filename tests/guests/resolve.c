/* Resolves the names given as arguments with glibc's getaddrinfo (IPv4), which reads
 * /etc/hosts and /etc/resolv.conf, and prints the first address of each. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        struct addrinfo hints, *result;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        int error = getaddrinfo(argv[i], "80", &hints, &result);
        if (error != 0) {
            printf("%s: %s\n", argv[i], gai_strerror(error));
            continue;
        }
        struct sockaddr_in *address = (struct sockaddr_in *)result->ai_addr;
        printf("%s: %s\n", argv[i], inet_ntoa(address->sin_addr));
        freeaddrinfo(result);
    }
    return 0;
}
