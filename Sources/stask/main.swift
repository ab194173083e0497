// The entry point: see `Stask.runAndWait()` for why the main thread waits instead of running an async main.
Stask.runAndWait()
