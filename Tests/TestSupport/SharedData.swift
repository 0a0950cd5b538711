public import Foundation

/// The third-party captures in ../shared/data/pcap, when present (tests that use them skip
/// with a message when the folder is absent).
public enum SharedData {
    public static var pcapDirectory: URL? {
        let directory = Repository.root.appendingPathComponent("../shared/data/pcap").standardized
        return FileManager.default.fileExists(atPath: directory.path) ? directory : nil
    }

    public static var captures: [String] {
        guard let directory = pcapDirectory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }

    /// One row of labels.csv.
    public struct Label: Sendable {
        public var file: String
        /// `attack`, `benign`, or another class (for example `low-volume probe`).
        public var kind: String
        public var expectedThreat: String
        public var attacker: String
    }

    /// The rows of labels.csv (quoted fields may contain commas).
    public static var labels: [Label] {
        guard let directory = pcapDirectory,
            let text = try? String(contentsOf: directory.appendingPathComponent("labels.csv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            var fields: [String] = [], field = "", quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == ",", !quoted {
                    fields.append(field)
                    field = ""
                } else { field.append(character) }
            }
            fields.append(field)
            guard fields.count >= 4 else { return nil }
            return Label(file: fields[0], kind: fields[1], expectedThreat: fields[2], attacker: fields[3])
        }
    }
}
