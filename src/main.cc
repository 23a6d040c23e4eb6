#include "cli/commands.h"

int main(int argc, char** argv) { return hearth::cli::Main(argc, argv); }
