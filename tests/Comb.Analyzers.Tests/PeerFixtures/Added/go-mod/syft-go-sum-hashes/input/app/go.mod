module github.com/anchore/syft

go 1.18

require (
	github.com/CycloneDX/cyclonedx-go v0.7.0
	github.com/acarl005/stripansi v0.0.0-20180116102854-5a71ef0e047d
	github.com/mgutz/ansi v0.0.0-20200706080929-d51e80ef957d // indirect
)

replace github.com/CycloneDX/cyclonedx-go => github.com/CycloneDX/cyclonedx-go v0.6.0
