module github.com/justiceops/justice/deploy/local

go 1.26

replace (
	github.com/justiceops/justice/gateway => ../../gateway
	github.com/justiceops/justice/proto => ../../proto
	github.com/justiceops/justice/services/platform => ../../services/platform
	github.com/justiceops/justice/services/rescue => ../../services/rescue
)
