module github.com/justiceops/justice/gateway

go 1.26

replace (
	github.com/justiceops/justice/proto => ../proto
	github.com/justiceops/justice/services/platform => ../services/platform
)
