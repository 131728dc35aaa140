class DropTmp < ActiveRecord::Migration[6.1]
  class Author < ActiveRecord::Base; end

  def up
    Author.where("name LIKE 'tmp%'").delete_all
  end
end
