import Foundation
import Testing
@testable import TorchBackend

/// The stack check against stand-in interpreters (shell scripts), so its messages are tested
/// without PyTorch; the CLI tests run the real one.
@Suite struct TorchStackTests {
    func fakePython(_ body: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fake-python-\(UUID().uuidString)")
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    @Test func aWrongVersionIsOneMessageWithTheInstallCommand() throws {
        let python = try fakePython(#"echo '{"ok": false, "problems": ["trl 0.13.0 is installed, DivTune needs >=1.16,<1.17"], "install": "py -m pip install trl>=1.16,<1.17"}'"#)
        let stack = TorchStack(python: python, environment: [:], searchFrom: [])
        #expect(throws: TorchBackendError.stackMissing(problems: ["trl 0.13.0 is installed, DivTune needs >=1.16,<1.17"],
                                                       install: "py -m pip install trl>=1.16,<1.17")) { try stack.check() }
        let message = String(describing: TorchBackendError.stackMissing(problems: ["a"], install: "pip install x"))
        #expect(message.contains("Nothing was installed") && message.hasSuffix("pip install x"))
    }

    @Test func aMissingPackageOrInterpreterIsNamed() throws {
        let python = try fakePython("echo \"ModuleNotFoundError: No module named 'divtune_torch'\" >&2; exit 1")
        do {
            try TorchStack(python: python, environment: [:], searchFrom: []).check()
            Issue.record("the check passed")
        } catch let TorchBackendError.stackMissing(problems, install) {
            #expect(problems.first?.contains("No module named 'divtune_torch'") == true)
            #expect(install.contains("pip install ./python"))
        }
        #expect(throws: TorchBackendError.self) { try TorchStack(python: "/nonexistent/python3", environment: [:], searchFrom: []).check() }
        #expect(try TorchStack(python: try fakePython(#"echo '{"ok": true}'"#), environment: [:], searchFrom: []).check() == ())
    }

    @Test func thePackageIsFoundFromAFolderInsideTheCheckout() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let stack = TorchStack(environment: [:], searchFrom: [root.appendingPathComponent(".build/debug")])
        #expect(stack.packageFolder?.standardizedFileURL.path == root.appendingPathComponent("python").standardizedFileURL.path)
        #expect(stack.environment(base: ["PYTHONPATH": "/x"])["PYTHONPATH"] == root.appendingPathComponent("python").standardizedFileURL.path + ":/x")
    }
}
