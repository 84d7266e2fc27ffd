// Writes 1 MiB to standard output as 16384 numbered lines of 64 bytes each, so that a
// test can check that nothing was lost, duplicated or reordered on the way out.

#include <stdio.h>

enum { LINE_COUNT = 16384 };

int main(void) {
    for (int line = 0; line < LINE_COUNT; line++) {
        // 7 digits, a space, 55 letters and a newline: 64 bytes.
        char letters[56];
        for (int i = 0; i < 55; i++) {
            letters[i] = (char)('a' + (line + i) % 26);
        }
        letters[55] = '\0';
        printf("%07d %s\n", line, letters);
    }
    return 0;
}
