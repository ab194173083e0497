#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arith.h"
#include "greet.h"

/* calc add A B | calc mul A B | calc greet NAME */
int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "add") == 0) {
        printf("%ld\n", arith_add(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10)));
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "mul") == 0) {
        printf("%ld\n", arith_mul(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10)));
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "greet") == 0) {
        char line[128];
        greet(argv[2], line, sizeof line);
        puts(line);
        return 0;
    }
    fprintf(stderr, "usage: calc add A B | calc mul A B | calc greet NAME\n");
    return 2;
}
