import AnomalyModels
import Testing

@Suite("Feature scaling")
struct FeatureScalerTests {
    @Test("standard scaling centres on the mean and divides by the population deviation")
    func standard() throws {
        let data = Matrix(rows: [[1, 10], [3, 10], [5, 10]])
        let scaler = try FeatureScaler(fitting: data, method: .standard)
        #expect(scaler.center == [3, 10])
        #expect(abs(scaler.scale[0] - (8.0 / 3).squareRoot()) < 1e-12)
        #expect(scaler.scale[1] == 1)  // constant feature: centred, never divided by 0
        #expect(scaler.transform([3, 12]) == [0, 2])
    }

    @Test("robust scaling uses the median and interquartile range")
    func robust() throws {
        let data = Matrix(rows: [[1], [2], [3], [4], [1000]])
        let scaler = try FeatureScaler(fitting: data, method: .robust)
        #expect(scaler.center == [3])
        #expect(scaler.scale == [2])  // q75 = 4, q25 = 2
    }

    @Test("non-finite training data is refused with its position")
    func nonFinite() {
        let data = Matrix(rows: [[1, 2], [3, .nan]])
        #expect(throws: ModelError.nonFiniteValue(row: 1, column: 1)) {
            try FeatureScaler(fitting: data, method: .standard)
        }
    }
}
