module github.com/justiceops/justice/services/rescue

go 1.26

replace (
	github.com/justiceops/justice/proto => ../../proto
	github.com/justiceops/justice/services/platform => ../platform
)
