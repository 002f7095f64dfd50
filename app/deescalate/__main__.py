from deescalate.cli.main import main

raise SystemExit(main())
