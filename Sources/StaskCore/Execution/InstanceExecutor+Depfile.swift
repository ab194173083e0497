// MARK: - Discovered inputs

extension InstanceExecutor {
    /// The discovered inputs of `instance` after a successful run: the prerequisites its depfile lists,
    /// resolved against the task's working directory (project-relative when inside the project, absolute
    /// otherwise), less its declared inputs, outputs and the depfile itself, each with its digest now.
    /// A listed file that does not exist is left out (it cannot have been read).
    ///
    /// - Returns: Sorted by path; empty when the instance has no depfile.
    /// - Throws: A problem for the task's failure when the depfile is missing, unreadable or not in Makefile
    ///   syntax (with line and column).
    func discoveredInputs(of instance: TaskInstance) throws(DepfileProblem) -> [DiscoveredInput] {
        guard let depfile = instance.depfile else { return [] }
        let absolute = ProjectPath.absolute(depfile, project: projectDirectory)
        guard (try? fileSystem.metadata(atPath: absolute)) != nil else {
            throw DepfileProblem(
                description: "did not write its depfile '\(depfile)': the commands must write it on every "
                    + "successful run (gcc -MMD -MF \(depfile))")
        }
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(atPath: absolute)
        } catch {
            throw DepfileProblem(description: "cannot read its depfile: \(error)")
        }
        let parsed: Depfile
        do {
            parsed = try Depfile(parsing: bytes)
        } catch {
            throw DepfileProblem(
                description: "\(depfile):\(error.line):\(error.column): malformed depfile: \(error.message)")
        }
        var declared = Set(instance.inputs)
        declared.formUnion(instance.outputs)
        declared.insert(depfile)
        var result: [DiscoveredInput] = []
        var seen: Set<String> = []
        for prerequisite in parsed.prerequisites {
            let path = Self.resolve(prerequisite, directory: instance.directory, project: projectDirectory)
            guard !declared.contains(path), seen.insert(path).inserted else { continue }
            if let digest = checker.discoveredDigest(of: path) {
                result.append(DiscoveredInput(path: path, digest: digest))
            }
        }
        result.sort { ProjectPath.precedes($0.path, $1.path) }
        return result
    }

    /// A depfile's path (relative to the task's working directory `directory`, project-relative, or
    /// absolute) as an input path.
    static func resolve(_ path: String, directory: String, project: String) -> String {
        if path.hasPrefix("/") || directory == "." { return ProjectPath.resolve(path, project: project) }
        return ProjectPath.resolve(directory + "/" + path, project: project)
    }
}

/// Why a depfile could not be read after a successful run; the task fails with this text.
struct DepfileProblem: Error, Sendable, CustomStringConvertible {
    let description: String
}
