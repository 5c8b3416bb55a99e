module github.com/alerter/alerter

go 1.26.8

require (
	github.com/expr-lang/expr v1.17.8
	github.com/prometheus/common v0.72.1
	github.com/robfig/cron/v3 v3.0.1
)

require (
	github.com/prometheus/client_model v0.6.3 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
