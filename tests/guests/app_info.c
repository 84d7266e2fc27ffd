// Prints what the program was started with, one fact a line, so that a test can compare the
// whole output: every argument, every environment variable in order, and the working
// directory as getcwd(3) reports it. Used to check that Pith.toml and the options that
// override it reach the program.

#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp) {
    char cwd[4096];

    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    for (char **variable = envp; *variable; variable++) {
        printf("env %s\n", *variable);
    }
    printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(getcwd failed)");
    return 0;
}
