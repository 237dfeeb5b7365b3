package auditmerge

import (
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
)

// sourceError is the status the whole call fails with when the source
// named name failed with err: the source's code and details, a message
// naming the source, and metadata source=name on every ErrorInfo (a new one
// with ReasonSourceFailed when there is none).
func sourceError(name string, err error) error {
	st := status.Convert(err).Proto()
	code := codes.Code(st.GetCode())
	details := make([]*anypb.Any, 0, len(st.GetDetails())+1)
	hasInfo := false
	for _, d := range st.GetDetails() {
		info := &errdetails.ErrorInfo{}
		if d.MessageIs(info) && d.UnmarshalTo(info) == nil {
			hasInfo = true
			if info.Metadata == nil {
				info.Metadata = map[string]string{}
			}
			info.Metadata["source"] = name
			if a, err := anypb.New(info); err == nil {
				d = a
			}
		}
		details = append(details, d)
	}
	msg := fmt.Sprintf("the %s service's audit log: %s", name, st.GetMessage())
	if !hasInfo {
		// Not the service's own error (which always has an ErrorInfo): the
		// transport's or the deadline's, whose text may name addresses.
		switch code {
		case codes.Unavailable:
			msg = fmt.Sprintf("the %s service's audit log is unavailable, and the audit log is not listed without it; retry later", name)
		case codes.DeadlineExceeded:
			msg = fmt.Sprintf("the %s service's audit log did not answer in time; retry later", name)
		case codes.Canceled:
			msg = fmt.Sprintf("the call to the %s service's audit log was canceled", name)
		default:
			msg = fmt.Sprintf("the %s service's audit log failed (%s)", name, code)
		}
		info, err := anypb.New(&errdetails.ErrorInfo{
			Reason: ReasonSourceFailed, Domain: ErrorDomain, Metadata: map[string]string{"source": name},
		})
		if err == nil {
			details = append([]*anypb.Any{info}, details...)
		}
	}
	return status.FromProto(&spb.Status{Code: st.GetCode(), Message: msg, Details: details}).Err()
}
