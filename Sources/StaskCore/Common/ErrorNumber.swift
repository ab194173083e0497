/// The texts of the system error numbers the Linux layer reports (`errno`), for messages users read.
///
/// StaskCore stays off the C library, so it cannot call `strerror`; these are glibc's texts for the numbers a
/// build meets (files, processes, sockets). Any other number reads "error N".
package enum ErrorNumber {
    /// glibc's `strerror(code)` for the numbers below, else `error \(code)`.
    package static func message(_ code: Int32) -> String {
        texts[code] ?? "error \(code)"
    }

    private static let texts: [Int32: String] = [
        1: "Operation not permitted", 2: "No such file or directory", 3: "No such process",
        4: "Interrupted system call", 5: "Input/output error", 6: "No such device or address",
        7: "Argument list too long", 8: "Exec format error", 9: "Bad file descriptor", 10: "No child processes",
        11: "Resource temporarily unavailable", 12: "Cannot allocate memory", 13: "Permission denied",
        14: "Bad address", 16: "Device or resource busy", 17: "File exists", 18: "Invalid cross-device link",
        19: "No such device", 20: "Not a directory", 21: "Is a directory", 22: "Invalid argument",
        23: "Too many open files in system", 24: "Too many open files", 25: "Inappropriate ioctl for device",
        26: "Text file busy", 27: "File too large", 28: "No space left on device", 29: "Illegal seek",
        30: "Read-only file system", 31: "Too many links", 32: "Broken pipe", 36: "File name too long",
        38: "Function not implemented", 39: "Directory not empty", 40: "Too many levels of symbolic links",
        95: "Operation not supported", 98: "Address already in use", 99: "Cannot assign requested address",
        101: "Network is unreachable", 103: "Software caused connection abort", 104: "Connection reset by peer",
        110: "Connection timed out", 111: "Connection refused", 113: "No route to host",
        116: "Stale file handle", 122: "Disk quota exceeded",
    ]
}
