# Schemathesis hooks for the contract test (crates/server/tests/api_contract.rs): a batch
# (`POST /v1/screen/batch`) and a replay body may be JSON Lines, which the description gives
# as text; send the generated text as it is.
import schemathesis

schemathesis.serializer.alias("application/x-ndjson", "text/plain")
