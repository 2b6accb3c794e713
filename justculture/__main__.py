from justculture.cli import main

main()
