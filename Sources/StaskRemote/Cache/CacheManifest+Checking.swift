package import StaskCore

// MARK: - Whether an action cache entry may restore a task

extension CacheManifest {
    /// What a cache client makes of an entry's bytes.
    package enum Verdict: Sendable, Equatable {
        /// A version 1 manifest listing exactly the task's outputs, all inside the project.
        case usable(CacheManifest)
        /// Another tool's or another version's entry: not ours to judge, a plain miss.
        case otherFormat
        /// An entry that must not be used; the message says why (a ``RemoteCacheWarning/Kind-swift.enum/badManifest``).
        case refused(String)
    }

    /// Checks an entry's bytes against the task that asks for it: well formed, paths inside the project,
    /// exactly the declared outputs, empty outputs with the empty digest.
    ///
    /// - Parameter entry: How messages name the entry (`/ac/<key>`, `action <hash>`).
    package static func verdict(on bytes: [UInt8], for action: RemoteCacheAction, entry: String) -> Verdict {
        let manifest: CacheManifest
        do {
            manifest = try CacheManifest(decoding: bytes)
        } catch {
            guard case .malformed(let reason) = error else { return .otherFormat }
            return .refused("entry \(entry) for '\(action.taskID)' is malformed (\(reason)); running it locally")
        }
        // An entry is refused before it is compared: a path that escapes (`..`, absolute) is never written.
        for output in manifest.outputs
        where output.path.hasPrefix("/") || ProjectPath.normalizedRelative(output.path) != output.path
            || !ProjectPath.isInside(output.path)
        {
            return .refused(
                "entry \(entry) for '\(action.taskID)' names '\(output.path)', which is not a path inside the "
                    + "project; running it locally")
        }
        let listed = manifest.outputs.map(\.path)
        guard Set(listed) == Set(action.outputs), listed.count == Set(action.outputs).count else {
            return .refused(
                "entry \(entry) for '\(action.taskID)' lists outputs \(listed) instead of \(action.outputs.sorted()); "
                    + "running it locally")
        }
        for output in manifest.outputs where output.size == 0 && output.digest != .empty {
            return .refused("entry \(entry) gives '\(output.path)' size 0 and a non-empty digest")
        }
        return .usable(manifest)
    }
}
