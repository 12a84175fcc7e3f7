namespace Comb.Secrets.Rules;

/// <summary>
/// The catch-all rule: a value with high entropy bound to a name that says "secret". Most of its
/// weight is in the allow-lists, which describe the many names and values that only look like it.
/// </summary>
internal static class GenericRule
{
    private const string NameEnd = @"[""'\x60\]\s]*" + RuleBuilder.Binding;

    // Between the binding and the value. A comma binds only a quoted pair on one line ("key", "value"): in
    // argument lists and enumerations (f(char* key, Type* x), KeyA,\n KeyB) what follows a comma is code.
    private const string ValueStart = "(?:(?:" + RuleBuilder.BindingOperators + @"|>|\|\|)[\s'""\x60=]{0,10}|,[ \t]*['""\x60][ \t]*)";

    // What may follow a name up to the end of the match: its own value, no further binding. Keeps a name
    // earlier on the line ({"provider": "aws", "secret": ...}) from dismissing the secret bound to a later one.
    private const string OwnValue = @"[^:,>|]*,?$";

    public const string Pattern =
        // Starts at the keyword so the engine can jump between keyword hits; the words before it are
        // checked by the allow-lists, which see the match with its left context on the line.
        @"(?i)(?:secret|token|passw(?:or)?d|pwd|api[_.\-]?key|apikey|auth|credential|creds|key)[\w.\- \t]{0,25}?"
        + @"[ \t'""\x60\]]{0,3}" + ValueStart
        + @"(?<secret>[\w.=+/\-~@!#$%^*]{10,250})" + RuleBuilder.TokenEnd;

    /// <summary>Names that carry an identifier, a size, a file or a UI key, never a credential.</summary>
    public static readonly IReadOnlyList<string> NameAllowList =
    [
        // <keyword><suffix> where the suffix says what the value really is: secret_name, keyId, token_url...
        @"(?i)(?:key|token|secret|secrets|passw(?:or)?d|pwd|auth|credentials?|creds)[_.\-]?(?:ids?|names?|size|length|len|type|types|file|files|path|paths|dir|url|uri|endpoint|version|alias|field|format|prefix|suffix|count|header|label|event|code|down|up|left|right|press(?:ed)?|board|stroke|frame|pair|ring|store|word|words|selector|mesh|stone|hash|location|policy|ref|env|var|variable|param|template|pattern|regex|source|provider|method|mode|scheme|service|server|host|expiry|expiration|expires|ttl|timeout|manager|vault|storetype|tab|index|class|chars)(?:[_.\-]?[a-z]\w*)?" + NameEnd + OwnValue,
        // A name whose last word says it holds a choice of algorithm or a limit (keystore.pkcs12.macAlgorithm,
        // jdk.tls.keyLimits, ssl_ciphers): a setting about keys, not a key.
        @"(?i)(?:algorithms?|alg|limits?|ciphers?|cipher[_.\-]?suites?|curves?|provider)" + NameEnd + OwnValue,
        // <qualifier><key>: primary/foreign/sort keys, public keys and public tokens are not secrets.
        @"(?i)(?:public|pub|primary|foreign|sort|partition|index|idx|sequence|schema|bucket|natural|hot|composite|unique|lookup|row|column|translation|i18n|cache|map|hotkey|shortcut)[_.\-]?(?:key|token)s?" + NameEnd + OwnValue,
        // words that merely contain a keyword
        @"(?i)(?:author|accessor|accessibility|authority|authenticat\w*|authoriz\w*|tokeniz\w*|monkey|donkey|turkey|keying|keyboard|keyframe|keystroke|keypress|keycode|keyword|keyspace|keymap|keyring|keyset|keyof|passwordless|csrf[_.\-]?token|xsrf[_.\-]?token|usersecretsid)[\w.\-]{0,20}?" + NameEnd + OwnValue,
        // Java/Gradle coordinates, Exchange headers
        @"(?i)[a-z0-9\-]*api[a-z0-9\-]*:jar:",
        @"->",
        // A file name before a comma: pip RECORD lines and other manifests list "auth.py,sha256=...,size".
        @"(?i)(?:key|token|auth|secret|passw\w*|credentials?)\w*\.(?:py|pyc|pyi|js|mjs|cjs|ts|rb|go|java|php|cs|c|h|json|ya?ml|html?|md|txt|so)\s*,",
        // A name bound to itself (exports.Name = Name, {key: key}) is code, not a value.
        @"(?<n>[A-Za-z_$][\w$]{5,})[""'\x60\]\s]*(?:=|:)\s*[""'\x60]?\k<n>(?:[""'\x60;,\s]|$)",
    ];

    /// <summary>Values that are words, paths, versions, identifiers or code rather than credentials.</summary>
    public static readonly IReadOnlyList<string> ValueAllowList =
    [
        // Words: letters only, in one case or in camel/Pascal case (every capital run starts a word).
        // Random letter-only tokens switch case mid-word and are kept.
        @"^[a-z_.\-/=+ ]+$|^[A-Z_.\-/=+ ]+$",
        // Two-letter words (In, Of, To...) are the only capitalised runs with a single lower-case letter.
        // A pointer or reference mark at either end (*xmlSecKeyPtr, Width*, Pascal's ^TypeName) keeps it a name.
        @"^[*&^]?[a-z]*(?:[A-Z]{1,4}[a-z]{2,}|(?:In|Of|To|Is|On|At|By|As|Or|An|Up|If|It|Id|No|So|Do|Be|Go|My|We|Us|Fn|Db|Io|Ui|Os|Ok|Ip|Hw|Sw|Tx|Rx|Vm)(?=[A-Z_.\-/=+ ]|$)|(?<=[a-z])[0-9]{1,2}(?=[A-Z_.\-/=+ ]|$)|[A-Z]{2,}(?=[A-Z][a-z]|[_.\-/=+ ]|$)|[_.\-/=+ ][a-z]*)*[A-Z]?[*&]?$",
        @"^(?:[a-z0-9\-]+\.)+[a-z]{2,}(?::\d+)?(?:/[\w.\-~%]*)*$", // host names, with a path
        @"^/(?:[\w.\-]+/)+[\w.\-]*$",                            // absolute paths
        @"^\$\{?[A-Za-z_]\w*\}?/[\w.\-/]*",                          // paths under a variable ($dir/private/cakey.pem)
        @"[\-_./:]\$\{?[A-Za-z_]\w*\}?$",                            // ends by interpolating a variable ("Checksums-$alg")
        @"^v?\d+(?:\.\d+){1,3}(?:[\-+.][\w.\-]+)?$",             // versions
        @"(?i)-snapshot$|^rc\d+\.\d",                            // build versions
        @"^(?!ey)[A-Za-z_$#][\w$]{0,30}(?:\.[A-Za-z_$#][\w$]{0,30}){1,4}$", // member access / dotted names
        @"^(?:self|this|cls|super)\.[\w$#.]+$",                  // members of the current object
        // snake_case / kebab-case identifiers of short words, each with a few digits at most (krb5, rfc1964, 227),
        // maybe reserved (_S_token_begin) or cited in documentation (#gnutls_privkey_t)
        @"^[#@]?_{0,2}(?i:[a-z]{1,15}[0-9]{0,4}(?:[_\-](?:[a-z]{1,15}[0-9]{0,4}|[0-9]{1,4})){2,})_{0,2}\.?$",
        // DER SubjectPublicKeyInfo in base64 (EC P-256/384/521, RSA 2048/4096, Ed25519): public keys are not secrets.
        @"^(?:MFkwEwYHKoZIzj0C|MHYwEAYHKoZIzj0C|MIGbMBAGByqGSM49|MIIBIjANBgkqhkiG9w0BAQEFAAOC|MIICIjANBgkqhkiG9w0BAQEFAAOC|MCowBQYDK2Vw)",
        @"^(?i:sha1|sha224|sha256|sha384|sha512|md5)[=:\-]",    // digests named by their algorithm
        @"(?<c>.)\k<c>{7,}",                                   // long runs of one character
        @"(?i)abcdefgh|bcdefghi|qrstuvwx|stuvwxyz|12345678|23456789|98765432",  // keyboard and alphabet runs
        @"(?i)\.(?:jar|js|json|xml|html?|png|svg|md|txt|ya?ml|cer|crt|pem|pub|key|keytab|jks|p12|log|conf|cfg|ini|sh|py|rb|go|java|cs)$", // file names
    ];

    public static readonly IReadOnlyList<string> LineAllowList =
    [
        @"--mount=type=secret,",
        @"^\s*import\s+\{[\s\w,]+\}\s+from\s+['""]",
        @"(?i)^\s*(?:#|//|\*)?\s*(?:LIC_FILES_CHKSUM|LICENSE|SRCREV|SRC_URI)",
    ];

    /// <summary>Fragments that show the value is sample or structural data.</summary>
    public static readonly IReadOnlyList<string> Stopwords =
    [
        "example", "sample", "localhost", "undefined", "function", "snapshot", "lorem", "ipsum", "placeholder",
        "abcdef", "qwerty", "foobar", "dummy", "mock_", "_mock", "fixture", "changeit", "xxxx",
    ];
}
