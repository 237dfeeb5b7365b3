// Package proto holds the justice protobuf contracts. The generated Go code
// lives under gen/go and is regenerated with `make proto` from the .proto
// sources beside this file.
package proto
