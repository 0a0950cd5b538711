import Foundation

extension EvaluationReport {
    /// An SVG chart of the evaluation: one panel per model (DBSCAN, VAE, ZMAD) and one for the
    /// ensemble's weighted score, each model's surprise `−log10(1 − percentile)` over the scored
    /// windows (streams one after another, in order), with the windows labelled as attacks shaded,
    /// the vote threshold drawn, consensus alarms marked, stream boundaries numbered and a legend
    /// naming every stream.
    ///
    /// - Parameters:
    ///   - title: The chart's title.
    ///   - voteThreshold: The percentile at which a model votes (drawn as a dashed line).
    ///   - width: Width of the drawing in pixels (the height follows from the number of streams).
    /// - Returns: A standalone SVG document.
    public func svg(title: String, voteThreshold: Double = 0.995, width: Int = 1200) -> String {
        let count = results.count
        let left = 70.0, right = 20.0, top = 50.0, panelHeight = 150.0, gap = 30.0
        let plotWidth = Double(width) - left - right
        var streams: [(name: String, first: Int, isAttack: Bool)] = []
        for (i, row) in results.enumerated() {
            if streams.last?.name != row.stream { streams.append((row.stream, i, false)) }
            if row.isAttack { streams[streams.count - 1].isAttack = true }  // a stream with attack windows
        }
        let panels: [(String, (EnsembleScore) -> Double)] = [
            ("DBSCAN (distance to the nearest core point)", { $0.dbscan.surprise }),
            ("VAE (reconstruction error of the last windows)", { $0.vae.surprise }),
            ("ZMAD (largest modified z-score)", { $0.zmad.surprise }),
            ("ensemble (weighted; dots: 2-of-3 consensus alarm)", { $0.weightedSurprise }),
        ]
        let maximum = max(4, min(8, (results.map { max($0.score.dbscan.surprise, $0.score.vae.surprise, $0.score.zmad.surprise) }.max() ?? 0).rounded(.up)))
        let threshold = -log10(max(1 - voteThreshold, 1e-12))
        let axisBottom = top + Double(panels.count) * (panelHeight + gap)
        let legendTop = axisBottom + 45
        let height = legendTop + 40 + Double((streams.count + 1) / 2) * 16

        func x(_ index: Double) -> Double { left + plotWidth * index / Double(max(count, 1)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(Int(height))" viewBox="0 0 \(width) \(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left))" y="28" font-size="16" font-weight="bold">\(escape(title))</text>

            """
        for (p, panel) in panels.enumerated() {
            let y0 = top + Double(p) * (panelHeight + gap)
            func y(_ v: Double) -> Double { y0 + panelHeight * (1 - min(v, maximum) / maximum) }
            svg += "<g>\n<text x=\"\(f(left))\" y=\"\(f(y0 - 6))\" font-weight=\"bold\">\(escape(panel.0))</text>\n"
            // Attack windows, one shaded band per run of consecutive attack windows.
            var i = 0
            while i < count {
                guard results[i].isAttack else { i += 1; continue }
                var j = i
                while j < count, results[j].isAttack, results[j].stream == results[i].stream { j += 1 }
                svg += "<rect class=\"attack\" x=\"\(f(x(Double(i))))\" y=\"\(f(y0))\" width=\"\(f(max(1, x(Double(j)) - x(Double(i)))))\" "
                    + "height=\"\(f(panelHeight))\" fill=\"#f4a6a6\" fill-opacity=\"0.45\"/>\n"
                i = j
            }
            // Axes, ticks and the vote threshold.
            svg += "<rect x=\"\(f(left))\" y=\"\(f(y0))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            for tick in stride(from: 0.0, through: maximum, by: 2) {
                svg += "<line x1=\"\(f(left - 4))\" x2=\"\(f(left))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#444\"/>"
                svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick))</text>\n"
            }
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(threshold)))\" y2=\"\(f(y(threshold)))\" "
                + "stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n"
            for stream in streams.dropFirst() {
                svg += "<line x1=\"\(f(x(Double(stream.first))))\" x2=\"\(f(x(Double(stream.first))))\" y1=\"\(f(y0))\" "
                    + "y2=\"\(f(y0 + panelHeight))\" stroke=\"#999\" stroke-dasharray=\"2 3\"/>\n"
            }
            // The score.
            let points = results.enumerated().map { "\(f(x(Double($0.offset) + 0.5))),\(f(y(panel.1($0.element.score))))" }
            svg += "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.2\" points=\"\(points.joined(separator: " "))\"/>\n"
            if p == panels.count - 1 {
                for (index, row) in results.enumerated() where row.score.consensus {
                    svg += "<circle class=\"alarm\" cx=\"\(f(x(Double(index) + 0.5)))\" cy=\"\(f(y(panel.1(row.score))))\" r=\"2.5\" fill=\"#d62728\"/>"
                }
                svg += "\n"
            }
            svg += "</g>\n"
        }
        // Stream numbers under the last panel, the axis titles and the legend.
        for (n, stream) in streams.enumerated() {
            // Alternate two rows so that the numbers of short streams do not overlap.
            svg += "<text x=\"\(f(x(Double(stream.first)) + 2))\" y=\"\(f(axisBottom - gap + 12 + Double(n % 2) * 10))\" "
                + "font-size=\"10\">\(n + 1)</text>\n"
        }
        svg += """
            <text x="\(f(left + plotWidth / 2))" y="\(f(axisBottom + 14))" text-anchor="middle">window (1 per second; streams one after \
            another, numbered as in the list below)</text>
            <text transform="translate(18 \(f(top + (axisBottom - top) / 2))) rotate(-90)" text-anchor="middle">surprise −log10(1 − percentile)</text>
            <rect x="\(f(left))" y="\(f(legendTop - 10))" width="14" height="10" fill="#f4a6a6" fill-opacity="0.45"/>
            <text x="\(f(left + 20))" y="\(f(legendTop))">windows labelled attack</text>
            <line x1="\(f(left + 190))" x2="\(f(left + 214))" y1="\(f(legendTop - 4))" y2="\(f(legendTop - 4))" stroke="#1f5fa8" stroke-width="1.5"/>
            <text x="\(f(left + 220))" y="\(f(legendTop))">model score</text>
            <line x1="\(f(left + 320))" x2="\(f(left + 344))" y1="\(f(legendTop - 4))" y2="\(f(legendTop - 4))" stroke="#d62728" stroke-dasharray="6 4"/>
            <text x="\(f(left + 350))" y="\(f(legendTop))">vote threshold (p = \(voteThreshold))</text>
            <circle cx="\(f(left + 537))" cy="\(f(legendTop - 4))" r="3" fill="#d62728"/>
            <text x="\(f(left + 545))" y="\(f(legendTop))">consensus alarm</text>

            """
        for (n, stream) in streams.enumerated() {
            let column = Double(n % 2), row = Double(n / 2)
            svg += "<text x=\"\(f(left + column * plotWidth / 2))\" y=\"\(f(legendTop + 24 + row * 16))\">\(n + 1). "
                + "\(escape(stream.name)) (\(stream.isAttack ? "with attack windows" : "normal traffic"))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
