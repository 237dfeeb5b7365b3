module github.com/justiceops/justice/services/prosecution

go 1.26.0

replace (
	github.com/justiceops/justice/proto => ../../proto
	github.com/justiceops/justice/services/platform => ../platform
)

require github.com/justiceops/justice/services/platform v0.0.0-00010101000000-000000000000
