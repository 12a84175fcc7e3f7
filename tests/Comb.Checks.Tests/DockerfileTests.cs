using Comb.Checks.Dockerfile;
using Comb.Contracts;

namespace Comb.Checks.Tests;

public sealed class DockerfileTests
{
    private static IReadOnlyList<ConfigFinding> Lint(string text) => DockerfileLinter.Lint(DockerfileParser.Parse(text));

    [Fact]
    public void Parses_continuations_comments_json_form_and_stages()
    {
        const string text = """
            # syntax=docker/dockerfile:1
            FROM golang:1.23 AS build
            RUN apt-get update && \
                # a comment inside the instruction
                apt-get install -y --no-install-recommends git

            CMD ["go", "build", "./..."]
            from debian:12-slim
            COPY --from=build /out /app
            """;

        var instructions = DockerfileParser.Parse(text);

        Assert.Equal(["FROM", "RUN", "CMD", "FROM", "COPY"], instructions.Select(i => i.Keyword));
        Assert.Equal([2, 3, 7, 8, 9], instructions.Select(i => i.Line));
        Assert.Equal("apt-get update && apt-get install -y --no-install-recommends git", instructions[1].Arguments);
        Assert.Equal(["go", "build", "./..."], instructions[2].JsonArguments);
        Assert.Equal([0, 0, 0, 1, 1], instructions.Select(i => i.Stage));
    }

    [Fact]
    public void Honours_the_escape_directive_and_skips_heredoc_bodies()
    {
        const string text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n  c:\\\nRUN <<EOF\nFROM not-an-instruction\nEOF\nUSER app\n";

        var instructions = DockerfileParser.Parse(text);

        Assert.Equal(["FROM", "RUN", "RUN", "USER"], instructions.Select(i => i.Keyword));
        Assert.Equal("dir c:\\", instructions[1].Arguments);
        Assert.Equal(8, instructions[3].Line);
    }

    [Fact]
    public void A_careful_dockerfile_passes()
    {
        const string text = """
            FROM debian:12.7-slim@sha256:0000000000000000000000000000000000000000000000000000000000000001 AS base
            ARG APP_VERSION=1.2.3
            ARG NPM_TOKEN
            RUN apt-get update \
             && apt-get install -y --no-install-recommends ca-certificates \
             && rm -rf /var/lib/apt/lists/*
            WORKDIR /app
            COPY . .
            ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tgz /opt/
            EXPOSE 8080
            USER 10001
            HEALTHCHECK CMD ["/app/health"]
            """;

        Assert.Empty(Lint(text));
    }

    [Fact]
    public void Reports_each_problem_at_its_line()
    {
        const string text = """
            FROM ubuntu
            ENV DB_PASSWORD=hunter2 \
                LOG_LEVEL=debug
            ARG GITHUB_TOKEN=ghp_abcdefghijklmnop
            RUN apt-get update && apt-get upgrade -y
            RUN apt-get install -y curl
            RUN curl -fsSL https://get.example.com/install.sh | bash
            RUN cd /src && make
            RUN sudo make install
            ADD https://example.com/app.tar.gz /opt/
            EXPOSE 22 80
            USER root
            """;

        var found = Lint(text).Select(f => (f.CheckId, f.Location)).ToHashSet();

        Assert.Contains(("DKL-DI-0006", "Dockerfile:1"), found);
        Assert.Contains(("CIS-DI-0010", "Dockerfile:2"), found);
        Assert.Contains(("CIS-DI-0010", "Dockerfile:4"), found);
        Assert.Contains(("DKL-DI-0003", "Dockerfile:5"), found);
        Assert.Contains(("COMB-DF-0001", "Dockerfile:6"), found);
        Assert.Contains(("CIS-DI-0011", "Dockerfile:7"), found);
        Assert.Contains(("COMB-DF-0002", "Dockerfile:8"), found);
        Assert.Contains(("DKL-DI-0001", "Dockerfile:9"), found);
        Assert.Contains(("CIS-DI-0009", "Dockerfile:10"), found);
        Assert.Contains(("COMB-DI-0001", "Dockerfile:11"), found);
        Assert.Contains(("CIS-DI-0001", "Dockerfile:12"), found);
        Assert.Contains(("CIS-DI-0006", "Dockerfile:1"), found);
        Assert.DoesNotContain(Lint(text), f => f.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_the_final_stage_decides_user_and_healthcheck()
    {
        const string text = """
            FROM node:22.11 AS build
            USER root
            RUN npm ci
            FROM gcr.io/distroless/nodejs22-debian12:nonroot
            COPY --from=build /app /app
            USER nonroot
            HEALTHCHECK NONE
            """;

        var findings = Lint(text);

        Assert.DoesNotContain(findings, f => f.CheckId == "CIS-DI-0001");
        Assert.Equal("Dockerfile:7", Assert.Single(findings, f => f.CheckId == "CIS-DI-0006").Location);
    }

    [Theory]
    [InlineData("FROM build", false)]
    [InlineData("FROM scratch", false)]
    [InlineData("FROM ${BASE}", false)]
    [InlineData("FROM alpine:latest", true)]
    [InlineData("FROM --platform=$BUILDPLATFORM alpine", true)]
    [InlineData("FROM registry.test:5000/team/app", true)]
    [InlineData("FROM registry.test:5000/team/app:2.1", false)]
    public void Checks_base_image_pinning(string from, bool fires)
    {
        var text = $"FROM golang:1.23 AS build\n{from}\nUSER app\nHEALTHCHECK CMD true\n";

        Assert.Equal(fires, Lint(text).Any(f => f.CheckId == "DKL-DI-0006" && f.Location == "Dockerfile:2"));
    }

    [Fact]
    public void Exec_form_run_is_checked_too() =>
        Assert.Contains(Lint("FROM alpine:3.22\nRUN [\"apk\", \"add\", \"curl\"]\n"), f => f.CheckId == "DKL-DI-0004" && f.Location == "Dockerfile:2");

    [Fact]
    public void Legacy_env_form_is_understood() =>
        Assert.Contains(Lint("FROM alpine:3.22\nENV API_KEY abc123def\n"), f => f.CheckId == "CIS-DI-0010");
}
