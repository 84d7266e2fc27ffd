// The library tests/guests/dlopen_main.c loads with dlopen.
int plugin_answer(int x) { return x * 7; }
