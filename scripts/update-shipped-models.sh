#!/usr/bin/env bash
# Trains the shipped bootstrap models again (the network and authentication ensembles and the
# username-field classifier) and writes them to Sources/ThreatRules/Embedded/, then rebuilds to
# embed them and checks them. Run it when ShippedModelsTests says a shipped file is not what
# training produces: after a change to the generated traffic, the features, a model or its
# file format. Training is deterministic (seeded): the same sources give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
UPDATE_SHIPPED_MODELS=1 swift test --skip-build --filter 'ShippedModelsTests/theShippedFileIsWhatTrainingProduces'
swift build --build-tests
swift test --skip-build --filter 'ShippedModelsTests|UsernameClassifierFileTests'
git status --short Sources/ThreatRules/Embedded
