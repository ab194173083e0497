# the first file
int a = 1;
