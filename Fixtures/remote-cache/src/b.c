# the second file
int b = 2;
