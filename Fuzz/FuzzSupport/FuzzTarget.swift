import Foundation

#if FUZZING
/// libFuzzer's driver (`FuzzerInterface.h`): parses libFuzzer's flags and calls `callback` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                 _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif

/// The `main` of every fuzz target (docs/fuzzing.md). In the fuzzing build (`scripts/fuzz.sh`:
/// `-sanitize=fuzzer,address -DFUZZING`) it hands the command line to libFuzzer, which calls
/// `body` with each generated input; an error `body` throws is the expected answer to bad input,
/// while a crash, a hang or runaway memory is a finding. In a plain build it replays the files (and
/// the files in folders) named on the command line through the same `body` and prints each
/// outcome, so a finding reproduces with a debugger and without the sanitizer build.
public enum FuzzTarget {
    nonisolated(unsafe) private static var body: (Data) throws -> Void = { _ in }

    public static func run(_ body: @escaping (Data) throws -> Void) -> Never {
        self.body = body
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
            let data = count == 0 ? Data() : Data(bytes: bytes!, count: count)
            _ = try? FuzzTarget.body(data)
            return 0
        })
        #else
        replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    private static func replay(_ paths: [String]) -> Never {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE|FOLDER… (replays inputs; see docs/fuzzing.md)\n".utf8))
            exit(2)
        }
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("\(path): no such file or folder\n".utf8))
                exit(1)
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            do {
                try body(data)
                print("\(file): accepted")
            } catch {
                print("\(file): \(error)")
            }
        }
        exit(0)
    }

    /// A scratch file for targets whose library entry reads a file (the importers stream from disk):
    /// each input overwrites it, so the reading code is fuzzed as users run it. It lives in memory
    /// (`/dev/shm`) where there is one: on a disk, each input's write and `fsync` cost more than
    /// parsing it (docs/fuzzing.md §3).
    /// Removed when the target exits (libFuzzer's driver ends with `exit`); a target stopped without
    /// running exit handlers (libFuzzer's timeout and out-of-memory ends) leaves its file, which the
    /// next target to start removes once that process is gone.
    public static func scratchFile(_ name: String) -> URL {
        let memory = "/dev/shm"
        let folder = FileManager.default.isWritableFile(atPath: memory) ? URL(fileURLWithPath: memory)
            : FileManager.default.temporaryDirectory
        if scratchPaths.isEmpty { removeStaleScratchFiles(in: folder) }
        let url = folder.appendingPathComponent("\(scratchPrefix)\(getpid())-\(name)")
        if scratchPaths.isEmpty { atexit { for path in FuzzTarget.scratchPaths { unlink(path) } } }
        scratchPaths.append(url.path)
        return url
    }

    nonisolated(unsafe) private static var scratchPaths: [String] = []
    private static let scratchPrefix = "divtune-fuzz-"

    /// Scratch files of targets that are no longer running (`divtune-fuzz-PID-name`, PID gone).
    private static func removeStaleScratchFiles(in folder: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(scratchPrefix) {
            guard let pid = Int32(name.dropFirst(scratchPrefix.count).prefix { $0.isNumber }),
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            unlink(folder.appendingPathComponent(name).path)
        }
    }
}
