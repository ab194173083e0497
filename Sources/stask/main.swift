// Placeholder: the command line is written by the stask-build work.
print("stask")
