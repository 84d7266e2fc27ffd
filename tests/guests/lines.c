// Reads lines from standard input until end of file, echoing each: the interactive
// console test types into it through a terminal.
#include <stdio.h>
#include <string.h>
int main(void) {
    char line[256]; int n = 0;
    printf("type lines, end with Ctrl-D\n"); fflush(stdout);
    while (fgets(line, sizeof line, stdin)) { n++; printf("got: %s", line); fflush(stdout); }
    printf("%d lines\n", n);
    return 0;
}
