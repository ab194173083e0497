/// Quoting of words for `/bin/sh`, as used for path placeholders in commands.
///
/// A word made only of characters that the shell never interprets (`A-Z a-z 0-9 _ @ % + = : , . / -`)
/// is left as is, so `cp a.c b.o` stays a plain command that can be executed without a shell. Any
/// other word is put in single quotes, each `'` written as `'\''`: `a b.c` → `'a b.c'`,
/// `$(rm -rf ~).c` → `'$(rm -rf ~).c'`. The empty word is `''`.
package enum ShellQuoting {
    /// `word` as one shell word that expands to exactly `word`.
    package static func quoted(_ word: String) -> String {
        if isSafe(word) { return word }
        var result = "'"
        for character in word.unicodeScalars {
            if character == "'" {
                result += "'\\''"
            } else {
                result.unicodeScalars.append(character)
            }
        }
        return result + "'"
    }

    /// Whether `word` is non-empty and needs no quoting.
    package static func isSafe(_ word: String) -> Bool {
        !word.isEmpty && word.utf8.allSatisfy(isSafeByte)
    }

    private static func isSafeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "_"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "="),
            UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
