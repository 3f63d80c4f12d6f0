"""The program side of the engine: the project and stack files read as the CLI reads them (project), one run of the
program in-process under the world's mocks, as the language host runs it (runner), what it registered (capture),
the arguments every command shares (arguments), the `preview` command (preview), and the program launched in its
own interpreter as the CLI's language host launches it (language_host, python_exec).
"""
