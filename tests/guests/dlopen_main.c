// A dynamically linked program that loads a library of the image at run time with
// dlopen, calls a function from it, and checks that a missing library is an ordinary
// failure (dlopen returns NULL with a message).
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    const char *library = argc > 1 ? argv[1] : "/opt/plugin/libplugin.so";
    void *handle = dlopen(library, RTLD_NOW);
    if (!handle) {
        printf("dlopen failed: %s\n", dlerror());
        return 1;
    }
    int (*answer)(int) = (int (*)(int))dlsym(handle, "plugin_answer");
    printf("plugin_answer(6) = %d\n", answer ? answer(6) : -1);
    void *missing = dlopen("/opt/plugin/libmissing.so", RTLD_NOW);
    printf("missing library: %s\n", missing ? "loaded?" : "NULL");
    dlclose(handle);
    return 0;
}
