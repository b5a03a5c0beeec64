/* The VE side of hello.c: built for x86 with `pkg-config rashm-ve`. */
#include <stdio.h>

int hello(int a, int b);
int hello(int a, int b)
{
    printf("Hello, world from the VE (%d + %d)\n", a, b);
    fflush(stdout);
    return a + b;
}
