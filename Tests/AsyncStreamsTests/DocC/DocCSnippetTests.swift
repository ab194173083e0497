import Foundation
import Testing

/// Keeps the DocC catalog's code honest: every `swift` code block of every article must appear, verbatim,
/// between `// snippet: <Article>.md` and `// end snippet` in the files of `DocC/Snippets/`, where it is
/// compiled with the tests and run by them (each file is a suite whose tests set up the names a snippet
/// uses, run it, and check its outcome). The k-th marked region for an article is its k-th code block.
@Suite struct DocCSnippetTests {
    /// The repository's root, found from this file's path.
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private static let catalog = root.appendingPathComponent("Sources/AsyncStreams/AsyncStreams.docc")
    private static let snippets = root.appendingPathComponent("Tests/AsyncStreamsTests/DocC/Snippets")

    /// The Markdown files of a folder and its subfolders, by file name.
    private static func files(in folder: URL, extension wanted: String) throws -> [String: String] {
        let manager = FileManager.default
        guard let walker = manager.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [:] }
        var found: [String: String] = [:]
        for case let url as URL in walker where url.pathExtension == wanted {
            found[url.lastPathComponent] = try String(contentsOf: url, encoding: .utf8)
        }
        return found
    }

    /// The `swift` code blocks of a Markdown text, in order.
    static func codeBlocks(of markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil {
                if line.trimmingCharacters(in: .whitespaces) == "```swift" { current = [] }
            } else if line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current!.append(line)
            }
        }
        return blocks
    }

    /// The marked regions of a Swift source, by article, in order, with their common indentation removed.
    static func regions(of source: String) -> [String: [String]] {
        var regions: [String: [String]] = [:]
        var article: String?
        var lines: [Substring] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if article == nil, trimmed.hasPrefix("// snippet: ") {
                article = String(trimmed.dropFirst("// snippet: ".count))
                lines = []
            } else if let name = article, trimmed == "// end snippet" {
                regions[name, default: []].append(dedented(lines))
                article = nil
            } else if article != nil {
                lines.append(line)
            }
        }
        return regions
    }

    private static func dedented(_ lines: [Substring]) -> String {
        let indents = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix(while: { $0 == " " }).count }
        let indent = indents.min() ?? 0
        return lines.map { $0.allSatisfy(\.isWhitespace) ? "" : String($0.dropFirst(indent)) }.joined(separator: "\n")
    }

    @Test func everyCodeBlockOfTheCatalogIsCompiledAndRunVerbatim() throws {
        let articles = try Self.files(in: Self.catalog, extension: "md")
        #expect(articles.count > 10, "the catalog was not found at \(Self.catalog.path)")
        var compiled: [String: [String]] = [:]
        for (_, source) in try Self.files(in: Self.snippets, extension: "swift") {
            compiled.merge(Self.regions(of: source)) { $0 + $1 }
        }
        for (name, markdown) in articles.sorted(by: { $0.key < $1.key }) {
            let blocks = Self.codeBlocks(of: markdown)
            let mirrored = compiled[name] ?? []
            #expect(
                mirrored.count == blocks.count,
                "\(name) has \(blocks.count) swift code blocks, the snippet files hold \(mirrored.count)")
            for (index, (block, copy)) in zip(blocks, mirrored).enumerated() {
                #expect(copy == block, "\(name), code block \(index + 1) differs from its compiled copy")
            }
        }
        let unknown = Set(compiled.keys).subtracting(articles.keys)
        #expect(unknown.isEmpty, "snippets for articles that do not exist: \(unknown.sorted())")
    }

    @Test func codeBlocksAndRegionsAreFound() {
        let markdown = "text\n```swift\nlet a = 1\n\nlet b = 2\n```\n```\nnot swift\n```\n"
        #expect(Self.codeBlocks(of: markdown) == ["let a = 1\n\nlet b = 2"])
        let source = "func f() {\n    // snippet: A.md\n    let a = 1\n\n    let b = 2\n    // end snippet\n}\n"
        #expect(Self.regions(of: source) == ["A.md": ["let a = 1\n\nlet b = 2"]])
    }
}
