package redact

import (
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/redact")

// All secrets below are fabricated: random characters in the shape of the
// real thing. None of them grants access to anything.

func TestRedactSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   string
		wantN  int
		secret string // must not survive; defaults to nothing extra
	}{
		{
			name:  "aws access key id in Go",
			in:    `cfg.AccessKeyID = "AKIAUJZDE8GXD6NCF10E"`,
			want:  `cfg.AccessKeyID = "<redacted:aws-access-key>"`,
			wantN: 1,
		},
		{
			name:  "aws secret access key in ini",
			in:    "aws_secret_access_key = El2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5\n",
			want:  "aws_secret_access_key = <redacted:aws-secret-key>\n",
			wantN: 1,
		},
		{
			name:  "aws secret key in env",
			in:    "AWS_SECRET_ACCESS_KEY=El2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5",
			want:  "AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-key>",
			wantN: 1,
		},
		{
			name:  "github classic token",
			in:    `client := github.NewClient(nil).WithAuthToken("ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8")`,
			want:  `client := github.NewClient(nil).WithAuthToken("<redacted:github-token>")`,
			wantN: 1,
		},
		{
			name:  "github oauth token in python",
			in:    `GH = 'gho_rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpz'`,
			want:  `GH = '<redacted:github-token>'`,
			wantN: 1,
		},
		{
			name:  "github fine-grained pat",
			in:    `export GH_PAT=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`,
			want:  `export GH_PAT=<redacted:github-token>`,
			wantN: 1,
		},
		{
			name:  "gitlab pat",
			in:    `const gl = "glpat-oRgnatmUdjAWtGSU8po_"`,
			want:  `const gl = "<redacted:gitlab-token>"`,
			wantN: 1,
		},
		{
			name:  "slack bot token",
			in:    `slack.New("xoxb-777412154728-0385280841485-6kwXoIIXGvOoNZYW2mZp0zVZ")`,
			want:  `slack.New("<redacted:slack-token>")`,
			wantN: 1,
		},
		{
			name:  "slack webhook",
			in:    `url := "https://hooks.slack.com/services/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"`,
			want:  `url := "<redacted:slack-webhook>"`,
			wantN: 1,
		},
		{
			name:  "stripe live secret key",
			in:    `stripe.Key = "sk_live_yYTWmE4lBYOvfZ8UzDzV8fUk"`,
			want:  `stripe.Key = "<redacted:stripe-key>"`,
			wantN: 1,
		},
		{
			name:  "stripe restricted key",
			in:    `const stripe = require('stripe')('rk_live_kibjL5DZPjN0MEQ7wjJJibaZ');`,
			want:  `const stripe = require('stripe')('<redacted:stripe-key>');`,
			wantN: 1,
		},
		{
			name:  "google api key",
			in:    `fetch("https://maps.googleapis.com/maps/api/geocode/json?address=x&key=AIzanr3yBdGBLEPH1qhT61qtc4xatws8phP9nhF")`,
			want:  `fetch("https://maps.googleapis.com/maps/api/geocode/json?address=x&key=<redacted:google-api-key>")`,
			wantN: 1,
		},
		{
			name: "gcp service account json",
			in: `{
  "type": "service_account",
  "project_id": "demo-project",
  "private_key_id": "f71010b93b7d946bf54074e3248c801bef750110",
  "private_key": "-----BEGIN PRIVATE KEY-----\nZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\nedonuSsddfrfifiUziXnFAAoeelK9mqmALOR2HcSGKgVP8Kd0d3mS8gBlKv3azKg\n-----END PRIVATE KEY-----\n",
  "client_email": "svc@demo-project.iam.gserviceaccount.com"
}`,
			want: `{
  "type": "service_account",
  "project_id": "demo-project",
  "private_key_id": "<redacted:gcp-private-key-id>",
  "private_key": "<redacted:private-key>\n",
  "client_email": "svc@demo-project.iam.gserviceaccount.com"
}`,
			wantN: 2,
		},
		{
			name: "rsa private key pem",
			in: "key := []byte(`-----BEGIN RSA PRIVATE KEY-----\n" +
				"ZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\n" +
				"edonuSsddfrfifiUziXnFAAoeelK9mqmALOR2HcSGKgVP8Kd0d3mS8gBlKv3azKg\n" +
				"-----END RSA PRIVATE KEY-----`)",
			want:  "key := []byte(`<redacted:private-key>`)",
			wantN: 1,
		},
		{
			name: "encrypted ec private key with headers",
			in: "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n" +
				"ZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\n-----END EC PRIVATE KEY-----\n",
			want:  "<redacted:private-key>\n",
			wantN: 1,
		},
		{
			name: "openssh private key",
			in: "# id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\n" +
				"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
				"edonuSsddfrfifiUziXnFAAoeelK9mqmALOR2HcSGKgVP8Kd0d3mS8gBlKv3azKg\n" +
				"-----END OPENSSH PRIVATE KEY-----\n",
			want:  "# id_ed25519\n<redacted:private-key>\n",
			wantN: 1,
		},
		{
			name: "pgp private key block",
			in: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF2Lh5gBCADZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQE\n=Ab3x\n" +
				"-----END PGP PRIVATE KEY BLOCK-----",
			want:  "<redacted:private-key>",
			wantN: 1,
		},
		{
			name:  "truncated pem excerpt",
			in:    "pem = \"\"\"-----BEGIN PRIVATE KEY-----\nZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\n",
			want:  "pem = \"\"\"<redacted:private-key>\n",
			wantN: 1,
		},
		{
			name:  "public key pem: every PEM block goes",
			in:    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZxEuhnbzs0z1wNiMg9aW37k5wCnH\n-----END PUBLIC KEY-----",
			want:  "<redacted:pem-block>",
			wantN: 1,
		},
		{
			name:  "openai legacy key",
			in:    `openai.api_key = "sk-mrcXgGCJbW56eCuNGMGmSrCGIZEG8pSH4487q7J58m1CiAhz"`,
			want:  `openai.api_key = "<redacted:openai-key>"`,
			wantN: 1,
		},
		{
			name:  "openai project key",
			in:    `const client = new OpenAI({ apiKey: "sk-proj-4OjE2jBMptUsGr7CmY_uCu3ZR1zTOlUcR64cXQLi" });`,
			want:  `const client = new OpenAI({ apiKey: "<redacted:openai-key>" });`,
			wantN: 1,
		},
		{
			name:  "anthropic key",
			in:    `client = anthropic.Anthropic(api_key="sk-ant-api03-oDnkHIfxIq2HZt-PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3-YNBDRzrZSgqbjG3AA")`,
			want:  `client = anthropic.Anthropic(api_key="<redacted:anthropic-key>")`,
			wantN: 1,
		},
		{
			name:  "npm token in npmrc",
			in:    "//registry.npmjs.org/:_authToken=npm_kdfQ1y3GQsMpSscDlkrCaqx9vJupc94tnwla\n",
			want:  "//registry.npmjs.org/:_authToken=<redacted:npm-token>\n",
			wantN: 1,
		},
		{
			name:  "pypi token",
			in:    "password: pypi-AgEIcHlwaS5vcmcQWk8JzFalHlsZfYcMMDktXP-tKsf2rcDkdfrUnW5gcF_Ha6ili8GjHEAD6-W\n",
			want:  "password: <redacted:pypi-token>\n",
			wantN: 1,
		},
		{
			name:  "twilio api key",
			in:    `client := twilio.NewRestClientWithParams(twilio.ClientParams{Username: "SK2f91624a8940f1f836f99eee3692f09e"})`,
			want:  `client := twilio.NewRestClientWithParams(twilio.ClientParams{Username: "<redacted:twilio-api-key>"})`,
			wantN: 1,
		},
		{
			name:  "sendgrid key",
			in:    `sg := sendgrid.NewSendClient("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")`,
			want:  `sg := sendgrid.NewSendClient("<redacted:sendgrid-key>")`,
			wantN: 1,
		},
		{
			name:  "mailgun key",
			in:    `mg := mailgun.NewMailgun("mg.example.com", "key-621de49f145fda9988c79fc35526f7ea")`,
			want:  `mg := mailgun.NewMailgun("mg.example.com", "<redacted:mailgun-key>")`,
			wantN: 1,
		},
		{
			name:  "jwt",
			in:    `tok := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkphbmUifQ.pDsU2Lb8bQ3-_x9a0rXWb6mWfVxXl0fq0u1v2w3x4y5"`,
			want:  `tok := "<redacted:jwt>"`,
			wantN: 1,
		},
		{
			name:  "postgres url with password",
			in:    `db, err := sql.Open("pgx", "postgres://app:Zq8!pLx2w@db.internal:5432/prod?sslmode=require")`,
			want:  `db, err := sql.Open("pgx", "postgres://app:<redacted:url-password>@db.internal:5432/prod?sslmode=require")`,
			wantN: 1,
		},
		{
			name:  "mysql url",
			in:    `DATABASE_URL = "mysql://root:r00tPa55@127.0.0.1:3306/shop"`,
			want:  `DATABASE_URL = "mysql://root:<redacted:url-password>@127.0.0.1:3306/shop"`,
			wantN: 1,
		},
		{
			name:  "mongodb srv url",
			in:    `const uri = "mongodb+srv://admin:Kf83hsL2qq@cluster0.ab1cd.mongodb.net/test?retryWrites=true";`,
			want:  `const uri = "mongodb+srv://admin:<redacted:url-password>@cluster0.ab1cd.mongodb.net/test?retryWrites=true";`,
			wantN: 1,
		},
		{
			name:  "redis url with only a password",
			in:    `r = redis.from_url("redis://:s3cretRedis9@cache:6379/0")`,
			want:  `r = redis.from_url("redis://:<redacted:url-password>@cache:6379/0")`,
			wantN: 1,
		},
		{
			name:  "amqp url",
			in:    `conn, _ := amqp.Dial("amqp://guest:g7uest-Pw@rabbit:5672/")`,
			want:  `conn, _ := amqp.Dial("amqp://guest:<redacted:url-password>@rabbit:5672/")`,
			wantN: 1,
		},
		{
			name:  "go password assignment",
			in:    `password := "hunter2-Blue!"`,
			want:  `password := "<redacted:secret>"`,
			wantN: 1,
		},
		{
			name:  "go struct field",
			in:    `cfg := Config{User: "svc", Password: "Tr0ub4dor&3"}`,
			want:  `cfg := Config{User: "svc", Password: "<redacted:secret>"}`,
			wantN: 1,
		},
		{
			name:  "json api key",
			in:    `{"name": "demo", "api_key": "a8f5f167f44f4964e6c998dee827110c"}`,
			want:  `{"name": "demo", "api_key": "<redacted:secret>"}`,
			wantN: 1,
		},
		{
			name:  "js const secret single quotes",
			in:    `const secret = 'q9Wv2LmX7sPz';`,
			want:  `const secret = '<redacted:secret>';`,
			wantN: 1,
		},
		{
			name:  "ts annotated client secret",
			in:    `const clientSecret: string = "7Hq2~Yt9vB1kLp0Zx";`,
			want:  `const clientSecret: string = "<redacted:secret>";`,
			wantN: 1,
		},
		{
			name:  "python access token",
			in:    `ACCESS_TOKEN = "EAAGm0PX4ZCpsBAKz9Zc3bE2"`,
			want:  `ACCESS_TOKEN = "<redacted:secret>"`,
			wantN: 1,
		},
		{
			name:  "header map api key",
			in:    `headers["X-Api-Key"] = "f3b2c1d0e9a8b7c6"`,
			want:  `headers["X-Api-Key"] = "<redacted:secret>"`,
			wantN: 1,
		},
		{
			name:  "env file password",
			in:    "DB_HOST=localhost\nDB_PASSWORD=pr0d-Passw0rd\n",
			want:  "DB_HOST=localhost\nDB_PASSWORD=<redacted:secret>\n",
			wantN: 1,
		},
		{
			name:  "yaml unquoted secret",
			in:    "database:\n  user: app\n  password: s3cr3t-Value9\n",
			want:  "database:\n  user: app\n  password: <redacted:secret>\n",
			wantN: 1,
		},
		{
			name:  "basic auth header",
			in:    `req.Header.Set("Authorization", "Basic YWRtaW46c3VwZXJzZWNyZXQ=")`,
			want:  `req.Header.Set("Authorization", "Basic <redacted:basic-auth>")`,
			wantN: 1,
		},
		{
			name:  "curl bearer token",
			in:    `curl -H "Authorization: Bearer aS.m.x_SHuKBD_vok.nPTmZYl2dVAMH2-vWD6qeS" https://api.example.com`,
			want:  `curl -H "Authorization: Bearer <redacted:bearer-token>" https://api.example.com`,
			wantN: 1,
		},
		{
			name:  "azure storage connection string",
			in:    `conn := "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=gsYlVvsSKuvinX+zMqf9OgXluCZz8xBfZuXTptFyfePpX6N1NF2XV54wca+7E56w8ZniqT3Ul4ffqkOkgWrdio==;EndpointSuffix=core.windows.net"`,
			want:  `conn := "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=<redacted:azure-storage-key>;EndpointSuffix=core.windows.net"`,
			wantN: 1,
		},
		{
			name:  "heroku api key",
			in:    `HEROKU_API_KEY = "1be38cb8-cb4b-a2e7-5198-9a01749ddb14"`,
			want:  `HEROKU_API_KEY = "<redacted:heroku-api-key>"`,
			wantN: 1,
		},
		{
			name:  "datadog api key",
			in:    `os.environ.setdefault("DD_API_KEY", "x"); dd_api_key = "64f9572b85a8e48f687ab165c58ac583"`,
			want:  `os.environ.setdefault("DD_API_KEY", "x"); dd_api_key = "<redacted:datadog-key>"`,
			wantN: 1,
		},
		{
			name:  "discord bot token",
			in:    `bot.run("MWCBiJmpflvJfupxqZKm4bV3Ay.AVHnyr.vWdFrK9xiRGHOY32nfr5pyzPCB9")`,
			want:  `bot.run("<redacted:discord-token>")`,
			wantN: 1,
		},
		{
			name:  "discord webhook",
			in:    `hook = "https://discord.com/api/webhooks/402067970168773132/tn6kfaqDeMqG3omjMyXHCabM6JOF8EFd0Nhcy-1kGD2VD-eR1UYzaLiA-zNyD7CHLn-x"`,
			want:  `hook = "<redacted:discord-webhook>"`,
			wantN: 1,
		},
		{
			name:  "telegram bot token",
			in:    `bot, err := tgbotapi.NewBotAPI("3760926030:AAs1ghxY5OokvQyx7eNWVQ4vnakJkS1pAWT")`,
			want:  `bot, err := tgbotapi.NewBotAPI("<redacted:telegram-bot-token>")`,
			wantN: 1,
		},
		{
			name:  "shopify access token",
			in:    `X-Shopify-Access-Token: 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`,
			want:  `X-Shopify-Access-Token: <redacted:shopify-token>`,
			wantN: 1,
		},
		{
			name:  "hugging face token",
			in:    `login(token="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")`,
			want:  `login(token="<redacted:huggingface-token>")`,
			wantN: 1,
		},
		{
			name:  "vault token",
			in:    `VAULT_TOKEN=hvs.3uDxYYMfGmzWkpAePcEJIukB`,
			want:  `VAULT_TOKEN=<redacted:vault-token>`,
			wantN: 1,
		},
		{
			name:  "digitalocean token",
			in:    `do_token = "dop_v1_328263dfe574de739988b886e7577496a2c8773e130f7eb19731662b5e803b61"`,
			want:  `do_token = "<redacted:digitalocean-token>"`,
			wantN: 1,
		},
		{
			name:  "age secret key",
			in:    `AGE-SECRET-KEY-1XVJCNQCNAU0XLTENC594E0GZ9J8FKZR0ST0DTW00BXMZZNA1K1HFZX3KIA`,
			want:  `<redacted:age-secret-key>`,
			wantN: 1,
		},
		{
			name:  "url query token",
			in:    `resp, _ := http.Get("https://api.example.com/v1/items?access_token=9f8e7d6c5b4a39281706")`,
			want:  `resp, _ := http.Get("https://api.example.com/v1/items?access_token=<redacted:url-secret-param>")`,
			wantN: 1,
		},
		{
			name:  "cli password flag",
			in:    `cmd := exec.Command("mysqldump", "--user=root", "--password=Xk2p9Lq7")`,
			want:  `cmd := exec.Command("mysqldump", "--user=root", "--password=<redacted:cli-password>")`,
			wantN: 1,
		},
		{
			name: "several secrets in one file",
			in: "token := \"ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8\"\n" +
				"key := \"AKIAUJZDE8GXD6NCF10E\"\n" +
				"dsn := \"postgres://u:p4ssW0rd9@h/db\"\n",
			want: "token := \"<redacted:github-token>\"\n" +
				"key := \"<redacted:aws-access-key>\"\n" +
				"dsn := \"postgres://u:<redacted:url-password>@h/db\"\n",
			wantN: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, n := Redact(tt.in)
			if got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if n != tt.wantN {
				t.Errorf("Redact(%q) replaced %d, want %d", tt.in, n, tt.wantN)
			}
			// Idempotent: redacting again changes nothing.
			again, n2 := Redact(got)
			if again != got || n2 != 0 {
				t.Errorf("second Redact changed %q to %q (%d)", got, again, n2)
			}
		})
	}
}

func TestRedactKeepsLookAlikes(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"password from env in go", `password := os.Getenv("PASSWORD")`},
		{"password from env in python", `password = os.environ["DB_PASSWORD"]`},
		{"empty password", `password = ""`},
		{"none token", `token = None`},
		{"nil token in go", `var token *oauth2.Token = nil`},
		{"python type annotation", "class Config:\n    password: str\n    token: Optional[str] = None\n"},
		{"ts interface", "interface Login {\n  password: string;\n  apiKey?: string;\n}\n"},
		{"uuid used as an id", `id := uuid.MustParse("1be38cb8-cb4b-4a2e-9198-9a01749ddb14")`},
		{"git sha", `const commit = "f71010b93b7d946bf54074e3248c801bef750110"`},
		{"sk- in prose", `// OpenAI keys start with sk- and Stripe keys with sk_live_; never commit them.`},
		{"base64 test vector", `{"Zm9vYmFy", "foobar"}, // RFC 4648 test vector: base64("foobar")`},
		{"long base64 not a key", `const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="`},
		{"postgres without credentials", `db, _ := sql.Open("pgx", "postgres://localhost/db?sslmode=disable")`},
		{"url with user only", `git clone https://git@example.com/org/repo.git`},
		{"placeholder angle brackets", `api_key = "<your-key-here>"`},
		{"placeholder your_api_key", `OPENAI_API_KEY="your_api_key"`},
		{"template interpolation", `password: "{{ .Values.db.password }}"`},
		{"shell interpolation", `DB_PASSWORD=${DB_PASSWORD}`},
		{"url with env password", `DATABASE_URL=postgres://app:${PGPASSWORD}@db/app`},
		{"masked password", `password = "********"`},
		{"error message", `ErrBadToken = errors.New("token is expired or invalid")`},
		{"token message in map", `msgs := map[string]string{"token": "the token has expired"}`},
		{"password comparison field name", `if user.PasswordHash == "" { return errNoPassword }`},
		{"tokenizer name", `tokenizer = "bert-base-uncased"`},
		{"max tokens", `max_tokens = 1024`},
		{"pwd path", `pwd = "/home/dev/project"`},
		{"html input type", `<input type="password" name="password">`},
		{"bearer in prose", `// The server expects a bearer token in the Authorization header.`},
		{"bearer concatenation", `req.Header.Set("Authorization", "Bearer "+token)`},
		{"basic auth call", `req.SetBasicAuth(user, pass)`},
		{"aws example prose", `// Access keys look like AKIA followed by 16 characters.`},
		{"password length constant", "PASSWORD_MIN_LENGTH=12\n"},
		{"secret name reference", `secretName := "db-credentials-v2"`},
		{"getpass call", "password = getpass.getpass(\"Password: \")\n"},
		{"hex colour and ids", `color := "#ff8800"; traceID := "4bf92f3577b34da6a3ce929d0e0e4736"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, n := Redact(tt.in)
			if got != tt.in || n != 0 {
				t.Errorf("Redact(%q) = %q, %d; want it unchanged", tt.in, got, n)
			}
		})
	}
}

func TestKindsArePlaceholderSafe(t *testing.T) {
	t.Parallel()
	kinds := Kinds()
	if len(kinds) < 30 {
		t.Errorf("Kinds() has %d kinds, want at least 30", len(kinds))
	}
	for _, k := range kinds {
		p := Placeholder(k)
		if got, n := Redact(p); got != p || n != 0 {
			t.Errorf("Redact(%q) = %q, %d; a placeholder must survive", p, got, n)
		}
	}
	// The returned slice is a copy: changing it must not change the table.
	kinds[0] = "changed"
	if Kinds()[0] == "changed" {
		t.Error("Kinds() exposes the internal table")
	}
}

func TestRedactFixture(t *testing.T) {
	t.Parallel()
	src := readFixture(t, "config.go.txt")
	got, n := Redact(src)
	if *update {
		if err := os.WriteFile(fixturePath("config.go.redacted.txt"), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readFixture(t, "config.go.redacted.txt")
	if got != want {
		t.Errorf("redacted fixture differs from golden file\n got:\n%s\nwant:\n%s", got, want)
	}
	if n == 0 {
		t.Error("no secrets found in fixture")
	}
}

func readFixture(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(fixturePath(name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func fixturePath(name string) string {
	return filepath.Join("..", "..", "testdata", "redact", name)
}

// BenchmarkRedact measures Redact on about 100 KB of Go source holding a
// handful of secrets.
func BenchmarkRedact(b *testing.B) {
	unit := readFixture(b, "config.go.txt")
	var sb strings.Builder
	for sb.Len() < 100<<10 {
		sb.WriteString(unit)
	}
	src := sb.String()
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		Redact(src)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/100KB")
}

// BenchmarkRedactClean measures the common case: code without any secret.
func BenchmarkRedactClean(b *testing.B) {
	unit := "func add(a, b int) int {\n\treturn a + b // sum\n}\n\n"
	src := strings.Repeat(unit, 100<<10/len(unit))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Redact(src)
	}
}

// Locate reports the secrets in the original text's offsets, also when a
// later pattern's match covers an earlier placeholder, and KeepLines and
// Offset keep the text's lines and map its offsets.
func TestLocateSpansKeepLinesAndOffset(t *testing.T) {
	t.Parallel()
	pem := "-----BEGIN RSA PRIVATE KEY-----\nZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\n-----END RSA PRIVATE KEY-----"
	src := "token := \"ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8\"\nkey := []byte(`" + pem + "`)\nreq.SetBasicAuth(\"admin\", \"Quartz64!river1\") // done\n"
	r := Locate(src)
	spans := r.Spans()
	if len(spans) != 3 {
		t.Fatalf("spans = %+v, want 3", spans)
	}
	wantText := []string{"ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8", pem, "Quartz64!river1"}
	wantKind := []string{"github-token", "private-key", "credential-argument"}
	for i, sp := range spans {
		if got := src[sp.Start:sp.End]; got != wantText[i] || sp.Kind != wantKind[i] {
			t.Errorf("span %d = %q (%s), want %q (%s)", i, got, sp.Kind, wantText[i], wantKind[i])
		}
	}
	red, n := Redact(src)
	if red != r.Text() || n != 3 {
		t.Errorf("Redact and Locate disagree: %q (%d) vs %q", red, n, r.Text())
	}
	kl := r.KeepLines()
	if strings.Count(kl, "\n") != strings.Count(src, "\n") {
		t.Fatalf("KeepLines changed the line count:\n%s", kl)
	}
	srcLines, klLines := strings.Split(src, "\n"), strings.Split(kl, "\n")
	if klLines[0] != `token := "<redacted:github-token>"` || klLines[1] != "key := []byte(`<redacted:private-key>" ||
		klLines[2] != "" || klLines[3] != "`)" || klLines[4] != `req.SetBasicAuth("admin", "<redacted:credential-argument>") // done` {
		t.Errorf("KeepLines = %q", klLines)
	}
	// Offsets outside secrets map to the same text; inside, to the
	// placeholder's edges.
	i := strings.Index(src, "// done")
	if o := r.Offset(i, false); kl[o:o+len("// done")] != "// done" {
		t.Errorf("Offset(%d) = %d: %q", i, o, kl[o:])
	}
	call := strings.Index(src, "req.SetBasicAuth")
	callEnd := strings.Index(src, ") // done") + 1
	if got := kl[r.Offset(call, false):r.Offset(callEnd, true)]; got != `req.SetBasicAuth("admin", "<redacted:credential-argument>")` {
		t.Errorf("the call maps to %q", got)
	}
	mid := strings.Index(src, "Quartz64") + 3 // inside the secret
	if a, b := r.Offset(mid, false), r.Offset(mid, true); kl[a:b] != "<redacted:credential-argument>" {
		t.Errorf("an offset inside a secret maps to %q", kl[a:b])
	}
	if lines := len(srcLines); lines != len(klLines) {
		t.Errorf("%d lines vs %d", lines, len(klLines))
	}
	if r := Locate(""); r.Text() != "" || len(r.Spans()) != 0 || r.Offset(0, true) != 0 {
		t.Error("empty text")
	}
}

// The forms the issue found missing, as one-line cases (the corpus has
// more of each).
func TestRedactFormsTheIssueFoundMissing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, secret string }{
		{`db, _ := sql.Open("mysql", "root:Zq8!pLx2w@tcp(127.0.0.1:3306)/shop")`, "Zq8!pLx2w"},
		{`conn, _ := pgx.Connect(ctx, "host=db user=app password=Zq8pLx2w dbname=app")`, "Zq8pLx2w"},
		{`cs := "Server=db;Database=erp;User Id=sa;Password=Zq8!pLx2w;"`, "Zq8!pLx2w"},
		{`req.SetBasicAuth(user, "Zq8!pLx2w")`, "Zq8!pLx2w"},
		{`auth := smtp.PlainAuth("", user, "Zq8!pLx2w", host)`, "Zq8!pLx2w"},
		{`p := credentials.NewStaticCredentialsProvider(id, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8pLx2wQE", "")`, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8pLx2wQE"},
		{`password := "my-Zq8pLx2w"`, "my-Zq8pLx2w"},
		{`api_key = "example-9f8e7d6c5b4a3928"`, "example-9f8e7d6c5b4a3928"},
	} {
		got, _ := Redact(tt.in)
		if strings.Contains(got, tt.secret) {
			t.Errorf("Redact(%q) = %q: the secret survived", tt.in, got)
		}
	}
}

// Log records pass redaction: message, attributes, errors, groups.
func TestHandlerRedactsLogs(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	log := slog.New(Handler(slog.NewTextHandler(&b, nil)))
	secret := "ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"
	log.With("ctx", `token := "`+secret+`"`).WithGroup("g").Warn("fix failed for `token := \""+secret+"\"`",
		"err", errors.New(`template: quote "`+secret+`"`), "n", 3, "nested", slog.Group("x", "dsn", "postgres://u:Zq8!pLx2w@db/x"))
	out := b.String()
	if strings.Contains(out, secret) || strings.Contains(out, "Zq8!pLx2w") {
		t.Errorf("a secret reached the log: %s", out)
	}
	if !strings.Contains(out, "<redacted:github-token>") || !strings.Contains(out, "g.n=3") || !strings.Contains(out, "WARN") {
		t.Errorf("log line lost its shape: %s", out)
	}
}
