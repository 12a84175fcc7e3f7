module my-library

go 1.23.5

toolchain go1.23.6

require (
	github.com/BurntSushi/toml v1.0.0
)
