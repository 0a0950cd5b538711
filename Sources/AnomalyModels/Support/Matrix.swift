internal import CBLAS

/// A dense row-major matrix of `Double`, the one numeric container every model uses.
///
/// Products go through OpenBLAS (`cblas_dgemm`); element-wise work is plain Swift. The type is a
/// value: copying is cheap until one copy is mutated (copy-on-write through `Array`).
public struct Matrix: Sendable, Equatable, Codable {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// Row-major elements: element (r, c) is `values[r * columns + c]`.
    /// Keep the count equal to `rows * columns` when mutating.
    public var values: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape")
        self.rows = rows
        self.columns = columns
        self.values = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over the given row-major elements; `values.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape")
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix whose rows are `rows`; every row must have the same length.
    public init(rows: [[Double]]) {
        let width = rows.first?.count ?? 0
        var values: [Double] = []
        values.reserveCapacity(rows.count * width)
        for row in rows {
            precondition(row.count == width, "Matrix: ragged rows (\(row.count) vs \(width))")
            values.append(contentsOf: row)
        }
        self.init(rows: rows.count, columns: width, values: values)
    }

    /// Element (`row`, `column`).
    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Double] {
        Array(values[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows as arrays.
    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    /// The transpose.
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns { result.values[c * rows + r] = values[r * columns + c] }
        }
        return result
    }

    /// The rows at `indices`, in that order.
    public func selectingRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var result: [Double] = []
        result.reserveCapacity(indices.count * columns)
        for index in indices {
            result.append(contentsOf: values[(index * columns)..<((index + 1) * columns)])
        }
        return Matrix(rows: indices.count, columns: columns, values: result)
    }

    /// `op(a) · op(b)` through `cblas_dgemm`, where `op` transposes when asked.
    public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let n = transposeB ? b.rows : b.columns
        var c = Matrix(rows: m, columns: n)
        gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c, alpha: 1, beta: 0)
        return c
    }

    /// `c ← alpha · op(a) · op(b) + beta · c` through `cblas_dgemm` (no allocation).
    public static func gemm(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        into c: inout Matrix, alpha: Double = 1, beta: Double = 0
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kB, "Matrix.gemm: inner dimensions \(k) and \(kB) differ")
        precondition(c.rows == m && c.columns == n, "Matrix.gemm: result is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in c.values.indices { c.values[i] *= beta }
            return
        }
        let lda = max(1, a.columns), ldb = max(1, b.columns), ldc = max(1, c.columns)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(
                        CblasRowMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k),
                        alpha, pa.baseAddress, Int32(lda),
                        pb.baseAddress, Int32(ldb),
                        beta, pc.baseAddress, Int32(ldc))
                }
            }
        }
    }

    /// Adds `vector` to every row (a bias); `vector.count` must equal `columns`.
    public mutating func addRowVector(_ vector: [Double]) {
        precondition(vector.count == columns, "Matrix.addRowVector: \(vector.count) values for \(columns) columns")
        let rows = rows, columns = columns
        vector.withUnsafeBufferPointer { b in
            values.withUnsafeMutableBufferPointer { v in
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { v[base + c] += b[c] }
                }
            }
        }
    }

    /// Column sums (length `columns`).
    public func columnSums() -> [Double] {
        var sums = Array(repeating: 0.0, count: columns)
        for r in 0..<rows {
            let base = r * columns
            for c in 0..<columns { sums[c] += values[base + c] }
        }
        return sums
    }

    /// Squared Euclidean norm of every row (length `rows`).
    public func rowSquaredNorms() -> [Double] {
        var norms = Array(repeating: 0.0, count: rows)
        for r in 0..<rows {
            var s = 0.0
            let base = r * columns
            for c in 0..<columns { s += values[base + c] * values[base + c] }
            norms[r] = s
        }
        return norms
    }
}

/// Process-wide OpenBLAS settings.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` and `OPENBLAS_NUM_THREADS` from the environment when the
/// library loads, before `main`. Debian's 0.3.21 mis-detects some AVX-512 CPUs and falls back to
/// slow SSE3 kernels; the project's launch paths (`make`, `scripts/`) export
/// `OPENBLAS_CORETYPE=SkylakeX` when `/proc/cpuinfo` lists `avx512f`. See the README.
public enum BLAS {
    /// The kernel family OpenBLAS selected (for example `"SkylakeX"` or `"Prescott"`).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OpenBLAS's worker thread count.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
