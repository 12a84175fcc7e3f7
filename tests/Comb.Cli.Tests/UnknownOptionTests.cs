using System.CommandLine;
using Comb.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Tests;

/// <summary>Every command names an option it does not know, rather than reading it as a value.</summary>
public sealed class UnknownOptionTests
{
    [Fact]
    public async Task Db_import_names_an_unknown_option_instead_of_reading_it_as_a_directory()
    {
        var (code, _, err) = await CliRunner.RunAsync("db", "import", "feeds", "--store", "x.db");

        Assert.Equal(2, code);
        Assert.Contains("unknown option '--store' for 'comb db import'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("feed directory not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_command_rejects_an_unknown_option_by_name()
    {
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var leaves = Runnable(CombApp.BuildRoot(services), []).ToList();

        Assert.True(leaves.Count >= 19, string.Join(", ", leaves.Select(l => string.Join(' ', l))));
        foreach (var path in leaves)
        {
            // A value for each argument first, so the option comes where a value could be swallowed.
            var (code, _, err) = await CliRunner.RunAsync([.. path, "value", "--no-such-option", "value"]);

            Assert.True(code == 2, $"{string.Join(' ', path)}: exit {code}, {err}");
            Assert.Contains("--no-such-option", err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("scan", "--policy")]
    [InlineData("scan", "--output")]
    [InlineData("scan", "--trust-policy")]
    [InlineData("sbom", "--output")]
    [InlineData("history", "--store")]
    public async Task An_option_given_an_empty_string_is_a_usage_error_that_names_it(string command, string option)
    {
        var (code, _, err) = await CliRunner.RunAsync(command, "rootfs:.", option, "");

        Assert.True(code == 2, $"exit {code}, {err}");
        Assert.Contains($"option '{option}' of 'comb {command}' needs a value", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_starting_with_an_at_sign_is_a_value_not_a_response_file()
    {
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();

        var parse = CombApp.Parse(services, ["registry", "add", "hub", "https://registry.example", "--schedule", "@daily"]);

        Assert.Empty(parse.Errors);
        Assert.Equal("@daily", parse.GetValue<string>("--schedule"));
    }

    private static IEnumerable<string[]> Runnable(Command command, string[] path)
    {
        if (command.Action is not null)
        {
            yield return path;
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Runnable(sub, [.. path, sub.Name]))
            {
                yield return leaf;
            }
        }
    }
}
