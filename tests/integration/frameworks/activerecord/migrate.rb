# ActiveRecord migrations of the migration test (tests/integration/test_migrations.py):
#   ruby migrate.rb DATABASE_URL VERSION    migrates up to VERSION, as `rails db:migrate` does
require "active_record"

ActiveRecord::Base.establish_connection(ARGV[0])
ActiveRecord::MigrationContext.new(File.join(__dir__, "migrate"), ActiveRecord::SchemaMigration)
                              .up(Integer(ARGV[1]))
